import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changelogCounts } from '../../lambdas/shared/reconcile/changelog.js';
import { reconcileTables } from '../../lambdas/shared/reconcile/reconcile.js';
import {
  RUNNING_TOTALS_TABLE,
  readRunningTotals,
  writeRunningTotals,
} from '../../lambdas/shared/reconcile/running-totals.js';
import { type ChangelogHistory, startChangelogHistory, taskView } from './changelog-history.js';

const DAY_MS = 86_400_000;
/** Simulated days lie in the past, behind the emulator's CURRENT_TIMESTAMP (read as BigQuery's clock). */
const day = (n: number, hour = 12, minute = 0): Date => new Date(Date.UTC(2024, 0, 1 + n, hour, minute));
/** The task was recreated on day 2: its tables' FullLoadStartTime. */
const SINCE = day(2, 9);
/** Rows per daily file: Op I, I, U, I, I, U. */
const DAILY_ROWS = 6;

describe('reconciliation with running totals over closed ingestion-time partitions', () => {
  let history: ChangelogHistory;

  beforeAll(async () => {
    history = await startChangelogHistory(day(0));
  }, 60_000);

  afterAll(async () => {
    await history.stop();
  });

  /** One scheduled run at the emulator clock's time, with DMS's counters equal to the full count. */
  const run = async (since: Date) => {
    const full = await changelogCounts(history.bigquery, history.projectId, history.route, since);
    const now = history.now();
    const measured = await history.measure(() =>
      reconcileTables({
        routes: [history.route],
        statistics: async () =>
          taskView(since, { inserts: full.I, updates: full.U }, new Date(now.getTime() - DAY_MS)),
        bigquery: history.bigquery,
        projectId: history.projectId,
        now,
      }),
    );
    const [table] = measured.result;
    return { full, table, processed: measured.processed, queries: measured.queries };
  };

  const fullCountBytes = async (since: Date) =>
    (await history.measure(() => changelogCounts(history.bigquery, history.projectId, history.route, since)))
      .processed;

  it('counts what a full count counts, day after day, and reads only the open partitions', async () => {
    // Prepare: the old task's rows (days 0 and 1), then the new task's from day 2 on, and on day 2
    // a late file of the old task (stamped before SINCE, ingested after it).
    history.at(day(0));
    await history.land(DAILY_ROWS, day(0, 10));
    history.at(day(1));
    await history.land(DAILY_ROWS, day(1, 10));
    history.at(day(2, 10));
    await history.land(DAILY_ROWS, day(2, 9, 30));
    await history.land(3, day(1, 23));

    const runs: { day: number; processed: number; fullProcessed: number }[] = [];
    for (let n = 2; n <= 30; n++) {
      history.at(day(n, 11));
      if (n > 2) await history.land(DAILY_ROWS, day(n, 10));
      // A late file: stamped three days ago, ingested (so partitioned) today.
      if (n === 5) await history.land(DAILY_ROWS, day(2, 12));
      history.at(day(n, 12));

      // Act
      const { full, table, processed } = await run(SINCE);

      // Assess
      expect(table?.actual).toEqual({ I: full.I, U: full.U, D: full.D });
      expect(table?.verdict).toBe('match');
      runs.push({ day: n, processed, fullProcessed: await fullCountBytes(SINCE) });
    }
    // Days 0–1 and the late old-task file are outside the window: 29 daily files and the late one.
    const last = await changelogCounts(history.bigquery, history.projectId, history.route, SINCE);
    expect(last.I + last.U).toBe(30 * DAILY_ROWS);
    const at = (n: number) => runs.find((entry) => entry.day === n);
    // The first run of each day reads yesterday's and today's partitions: the same on day 10 and 30.
    expect(at(30)?.processed).toBeGreaterThan(0);
    expect(at(30)?.processed).toBe(at(10)?.processed);
    // The full count reads every partition: about 2.6 times as many rows on day 30 as on day 10.
    expect(at(30)?.fullProcessed).toBeGreaterThan(2 * (at(10)?.fullProcessed ?? 0));
  }, 120_000);

  it('reads only today’s partition on the next run of the same day, still equal to the full count', async () => {
    // Prepare
    history.at(day(30, 12, 15));

    // Act
    const { full, table, processed, queries } = await run(SINCE);

    // Assess: the boundary did not move, so one query over one partition.
    expect(table?.actual).toEqual({ I: full.I, U: full.U, D: full.D });
    expect(queries).toBe(1);
    expect(processed).toBeLessThan((await fullCountBytes(SINCE)) / 20);
  });

  it('keeps yesterday open during the first hours of a day, when a load started yesterday may still run', async () => {
    // Prepare: 03:00 is within the 6-hour grace after midnight.
    history.at(day(31, 3));
    await history.land(DAILY_ROWS, day(31, 2));

    // Act
    const { full, table } = await run(SINCE);
    const totals = await readRunningTotals(history.bigquery, history.route.dataset);

    // Assess
    expect(table?.actual).toEqual({ I: full.I, U: full.U, D: full.D });
    expect(totals.get(history.route.targetTable)?.boundary).toEqual(day(30, 0));
  });

  it('restarts the totals when the task is recreated, excluding rows stamped before its start', async () => {
    // Prepare: a new FullLoadStartTime on day 31; a file of the new task.
    const since = day(31, 8);
    history.at(day(31, 9));
    await history.land(DAILY_ROWS, day(31, 8, 30));
    history.at(day(31, 10));

    // Act
    const { full, table } = await run(since);
    const totals = await readRunningTotals(history.bigquery, history.route.dataset);

    // Assess
    expect(full.I + full.U).toBe(DAILY_ROWS);
    expect(table?.actual).toEqual({ I: full.I, U: full.U, D: full.D });
    expect(totals.get(history.route.targetTable)?.since).toBe(since.toISOString());
  });

  it('writes the totals exactly once when two runs race, and the rows stay true', async () => {
    // Prepare: the next day, so both runs move the boundary and write the same totals.
    const since = day(31, 8);
    history.at(day(32, 12));
    const full = await changelogCounts(history.bigquery, history.projectId, history.route, since);
    const deps = {
      routes: [history.route],
      statistics: async () => taskView(since, { inserts: full.I, updates: full.U }, day(31)),
      bigquery: history.bigquery,
      projectId: history.projectId,
      now: history.now(),
    };

    // Act
    const [first, second] = await Promise.all([reconcileTables(deps), reconcileTables(deps)]);
    const [jobs] = await history.bigquery.getJobs({ allUsers: true });
    const totals = await readRunningTotals(history.bigquery, history.route.dataset);

    // Assess
    expect(first[0]?.actual).toEqual(second[0]?.actual);
    expect(first[0]?.verdict).toBe('match');
    const writes = jobs.filter((job) => (job.id ?? '').startsWith('dms2bq_reconcile_totals_'));
    expect(new Set(writes.map((job) => job.id)).size).toBe(writes.length);
    expect(totals.get(history.route.targetTable)).toMatchObject({
      since: since.toISOString(),
      boundary: day(32, 0),
      I: full.I,
      U: full.U,
    });
  });

  it('writing the same totals again is the same job: BigQuery answers 409 and nothing changes', async () => {
    // Prepare
    const before = await readRunningTotals(history.bigquery, history.route.dataset);

    // Act
    await writeRunningTotals(history.bigquery, history.route.dataset, [...before.values()]);
    await writeRunningTotals(history.bigquery, history.route.dataset, [...before.values()]);
    const after = await readRunningTotals(history.bigquery, history.route.dataset);

    // Assess
    expect([...after.values()]).toEqual([...before.values()]);
    const [rows] = await history.bigquery
      .dataset(history.route.dataset)
      .table(RUNNING_TOTALS_TABLE)
      .getRows();
    expect(rows).toHaveLength(1);
  });
});

describe('a reconciliation whose clock runs ahead of BigQuery’s', () => {
  let history: ChangelogHistory;

  beforeAll(async () => {
    history = await startChangelogHistory(new Date());
  }, 60_000);

  afterAll(async () => {
    await history.stop();
  });

  it('closes no partition BigQuery may still load into: the earlier clock decides', async () => {
    // Prepare: the function's clock three days ahead of BigQuery's (the emulator's, here the machine's).
    const since = new Date(history.now().getTime() - 2 * DAY_MS);
    const ahead = () => new Date(history.now().getTime() + 3 * DAY_MS);
    const run = async () => {
      const full = await changelogCounts(history.bigquery, history.projectId, history.route, since);
      const [table] = await reconcileTables({
        routes: [history.route],
        statistics: async () => taskView(since, { inserts: full.I, updates: full.U }, since),
        bigquery: history.bigquery,
        projectId: history.projectId,
        now: ahead(),
      });
      return { full, table };
    };
    await history.land(DAILY_ROWS, history.now());
    await run();

    // Act: more rows land in today's partition after the first run.
    await history.land(DAILY_ROWS, history.now());
    const { full, table } = await run();

    // Assess
    expect(full.I + full.U).toBe(2 * DAILY_ROWS);
    expect(table?.actual).toEqual({ I: full.I, U: full.U, D: full.D });
  });
});
