import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  changelogCounts,
  currentRowCount,
  runningChangelogCounts,
} from '../../lambdas/shared/reconcile/changelog.js';
import type { Route } from '../../lambdas/shared/routing.js';
import { EmulatorClock } from '../../local/bigquery-emulator/clock.js';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from '../bigquery-emulator/helpers.js';
import { type Change, loadChanges, ordersRoute } from '../support/changelog.js';

const DAY_MS = 86_400_000;
/** The emulator's clock at the start of each test: the day the changelog's rows are ingested. */
const INGESTED = Date.parse('2026-05-10T12:00:00Z');

/** One I, one U and one D, the I stamped last: the newest stamp is not that of every Op group. */
const changes: Change[] = [
  { op: 'D', at: '2026-05-10 08:00:00.000000', seq: '20260510080000000000000000000000001', id: 3 },
  { op: 'U', at: '2026-05-10 09:00:00.000000', seq: '20260510090000000000000000000000002', id: 2, name: 'b' },
  { op: 'I', at: '2026-05-10 10:00:00.000000', seq: '20260510100000000000000000000000003', id: 1, name: 'a' },
];

describe('changelog counts at their edges', () => {
  let fixture: EmulatorFixture;
  let route: Route;
  const projectId = () => fixture.emulator.projectId;
  const at = (time: number) => {
    fixture.emulator.clock.advance((time - fixture.emulator.clock.now()) / 1000);
  };

  beforeAll(async () => {
    fixture = await startEmulatorFixture({ clock: new EmulatorClock((INGESTED - Date.now()) / 1000) });
  });
  afterAll(async () => {
    await fixture.stop();
  });
  beforeEach(async () => {
    fixture.emulator.faults.reset();
    at(INGESTED);
    route = ordersRoute(await freshDataset(fixture));
  });

  const land = () => loadChanges(fixture, route, changes, { timePartitioning: { type: 'DAY' } });

  it('reads a changelog not created yet as no rows, not as an error', async () => {
    // Act
    const counts = await changelogCounts(fixture.bigquery, projectId(), route);

    // Assess
    expect(counts).toEqual({ exists: false, I: 0, U: 0, D: 0 });
  });

  it('passes on a failure of the count other than a missing table', async () => {
    // Prepare
    await land();
    fixture.emulator.faults.failNext({
      method: 'POST',
      path: /\/queries$/,
      status: 403,
      reason: 'accessDenied',
    });

    // Act
    const counting = changelogCounts(fixture.bigquery, projectId(), route);

    // Assess
    await expect(counting).rejects.toMatchObject({ code: 403 });
  });

  it('reports the newest stamp among all Op groups', async () => {
    // Prepare
    await land();

    // Act
    const counts = await changelogCounts(fixture.bigquery, projectId(), route);

    // Assess
    expect(counts).toEqual({ exists: true, I: 1, U: 1, D: 1, newest: new Date('2026-05-10T10:00:00Z') });
  });

  it('running counts of a changelog not created yet: none, and no totals to store', async () => {
    // Act
    const running = await runningChangelogCounts(fixture.bigquery, projectId(), route, {
      now: new Date(INGESTED),
    });

    // Assess
    expect(running).toEqual({ counts: { exists: false, I: 0, U: 0, D: 0 } });
  });

  it('without a since, counts the whole changelog and stores its closed totals under the empty since', async () => {
    // Prepare: two days later, the day of ingestion is closed.
    await land();
    at(INGESTED + 2 * DAY_MS);

    // Act
    const running = await runningChangelogCounts(fixture.bigquery, projectId(), route, {
      now: new Date(INGESTED + 2 * DAY_MS),
    });

    // Assess
    expect(running.counts).toEqual({
      exists: true,
      I: 1,
      U: 1,
      D: 1,
      newest: new Date('2026-05-10T10:00:00Z'),
    });
    expect(running.advanced).toEqual({
      targetTable: route.targetTable,
      since: '',
      boundary: new Date('2026-05-12T00:00:00Z'),
      I: 1,
      U: 1,
      D: 1,
      newest: '2026-05-10 10:00:00.000000',
    });
  });

  it('adds the stored totals to the counts and to the new totals, keeping the newer stored stamp', async () => {
    // Prepare: totals stored up to the day of ingestion, with a stamp newer than any row since.
    await land();
    at(INGESTED + 2 * DAY_MS);
    const stored = {
      targetTable: route.targetTable,
      since: '',
      boundary: new Date('2026-05-10T00:00:00Z'),
      I: 5,
      U: 4,
      D: 2,
      newest: '2026-05-09 23:00:00.000000',
    };
    const newer = { ...stored, newest: '2026-05-11 00:00:00.000000' };

    // Act
    const older = await runningChangelogCounts(fixture.bigquery, projectId(), route, {
      stored,
      now: new Date(INGESTED + 2 * DAY_MS),
    });
    const kept = await runningChangelogCounts(fixture.bigquery, projectId(), route, {
      stored: newer,
      now: new Date(INGESTED + 2 * DAY_MS),
    });

    // Assess
    expect(older.counts).toEqual({
      exists: true,
      I: 6,
      U: 5,
      D: 3,
      newest: new Date('2026-05-10T10:00:00Z'),
    });
    expect(older.advanced).toMatchObject({ I: 6, U: 5, D: 3, newest: '2026-05-10 10:00:00.000000' });
    expect(kept.counts.newest).toEqual(new Date('2026-05-11T00:00:00Z'));
    expect(kept.advanced).toMatchObject({ D: 3, newest: '2026-05-11 00:00:00.000000' });
  });

  it('stores no totals when the changelog is gone by the time the closed days are counted', async () => {
    // Prepare: the first query (the open partitions) is held back for a second; meanwhile a fault
    // is armed for the next one, which answers as BigQuery does for a table that no longer exists.
    await land();
    at(INGESTED + 2 * DAY_MS);
    const faults = fixture.emulator.faults;
    faults.slow({ method: 'POST', path: /\/queries$/, delayMs: 1_000 });
    const arm = setTimeout(() => {
      faults.failNext({ method: 'POST', path: /\/queries$/, status: 404, reason: 'notFound' });
    }, 300);

    // Act
    const running = await runningChangelogCounts(fixture.bigquery, projectId(), route, {
      now: new Date(INGESTED + 2 * DAY_MS),
    }).finally(() => clearTimeout(arm));

    // Assess
    expect(faults.injected).toBe(1);
    expect(running).toEqual({
      counts: { exists: true, I: 1, U: 1, D: 1, newest: new Date('2026-05-10T10:00:00Z') },
    });
  });
});

describe('the _current row count', () => {
  let fixture: EmulatorFixture;
  let route: Route;

  beforeAll(async () => {
    fixture = await startEmulatorFixture();
    route = ordersRoute(await freshDataset(fixture));
    // A `_current` view of the two columns the count reads.
    await fixture.bigquery.query({
      query: `CREATE VIEW \`${route.dataset}.orders_current\` AS
        SELECT 1 AS id, TIMESTAMP '2026-05-01 00:00:00+00' AS _source_changed_at
        UNION ALL SELECT 2, TIMESTAMP '2026-05-10 00:00:00+00'
        UNION ALL SELECT 3, TIMESTAMP '2026-05-11 00:00:00+00'`,
    });
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('counts only rows changed since the given time, the bound included', async () => {
    // Act
    const all = await currentRowCount(fixture.bigquery, fixture.emulator.projectId, route);
    const since = await currentRowCount(
      fixture.bigquery,
      fixture.emulator.projectId,
      route,
      new Date('2026-05-10T00:00:00Z'),
    );

    // Assess
    expect([all, since]).toEqual([3, 2]);
  });

  it('reads a missing view as unknown, and passes on any other failure', async () => {
    // Prepare
    const missing = { ...route, targetTable: 'nothing' };
    fixture.emulator.faults.failNext({
      method: 'POST',
      path: /\/queries$/,
      status: 403,
      reason: 'accessDenied',
    });

    // Act
    const failing = currentRowCount(fixture.bigquery, fixture.emulator.projectId, route);

    // Assess
    await expect(failing).rejects.toMatchObject({ code: 403 });
    expect(await currentRowCount(fixture.bigquery, fixture.emulator.projectId, missing)).toBeUndefined();
  });
});
