import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DmsTableStatistics, DmsTaskView } from '../../lambdas/shared/dms/table-statistics.js';
import { reconcileTables } from '../../lambdas/shared/reconcile/reconcile.js';
import type { Route } from '../../lambdas/shared/routing.js';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from '../bigquery-emulator/helpers.js';
import { type Change, loadChanges, ordersRoute } from '../support/changelog.js';

/** The reload's FullLoadStartTime, and the stamp DMS gives its rows (`_dms_timestamp`). */
const SINCE = new Date('2026-01-10T08:00:00Z');
const SINCE_TEXT = '2026-01-10 08:00:00.000000';

const inserts = (at: string, ids: number[]): Change[] =>
  ids.map((id) => ({ op: 'I', at, id, name: `v-${id}` }));

const statistics = (route: Route, changes: Partial<DmsTableStatistics>): DmsTableStatistics => ({
  schema: route.schema,
  table: route.table,
  state: 'Table completed',
  fullLoadRows: 2,
  inserts: 0,
  updates: 0,
  deletes: 0,
  fullLoadStartTime: SINCE,
  fullLoadEndTime: new Date(SINCE.getTime() + 60_000),
  lastUpdateTime: new Date(SINCE.getTime() + 60_000),
  reloaded: false,
  ...changes,
});

const task = (tables: DmsTableStatistics[]): DmsTaskView => ({
  identifier: 'dms2bq-test-shop',
  arn: 'arn:aws:dms:eu-west-1:111111111111:task:COUNTED',
  status: 'running',
  tables,
});

/**
 * A completed reload's deletes (ADR 0047) are appended to the changelog by a query job, which
 * BigQuery ingests into the partition of its run (ADR 0029), so the running totals count them as
 * `D` rows when the reload's stamp is inside the window. DMS's `Deletes` never counts them: the
 * reconciliation takes them off again, and only then, or DMS's own deletes would be lost.
 */
describe('the deletes a reload appended, counted by the changelog and set apart from DMS’s', () => {
  let fixture: EmulatorFixture;
  let route: Route;

  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });
  beforeEach(async () => {
    // A view-mode route: the reload clean-up needs no CDC streamer.
    route = { ...ordersRoute(await freshDataset(fixture)), current: 'view' };
    // Before the reload keys 1–3 were loaded; the reload (stamped at its start) brings keys 1 and 2.
    await loadChanges(fixture, route, inserts('2026-01-01 00:00:00.000000', [1, 2, 3]), {
      timePartitioning: { type: 'DAY' },
    });
    await loadChanges(fixture, route, inserts(SINCE_TEXT, [1, 2]));
  });

  const reconcile = (deletes: number) =>
    reconcileTables({
      routes: [route],
      bigquery: fixture.bigquery,
      projectId: fixture.emulator.projectId,
      now: new Date(),
      statistics: async () => task([statistics(route, { deletes })]),
      reloads: {},
    });

  /** The changelog's rows from SINCE on, by `Op`, counted straight from the table. */
  const changelogSince = async () => {
    const [rows] = await fixture.bigquery.query({
      query: `SELECT Op AS op, COUNT(*) AS n FROM \`${route.dataset}.${route.targetTable}\` WHERE _PARTITIONTIME IS NOT NULL AND _dms_timestamp >= '${SINCE_TEXT}' GROUP BY op ORDER BY op`,
    });
    return rows;
  };

  it('takes the reload’s delete, stamped at the window’s start, off the changelog’s count', async () => {
    // Act
    const [table] = await reconcile(0);

    // Assess: the appended delete is in a partition and in the window, yet not DMS's
    expect(table?.reload).toMatchObject({ state: 'done', record: { boundary: SINCE_TEXT, deleted: 1 } });
    expect(await changelogSince()).toEqual([
      { op: 'D', n: 1 },
      { op: 'I', n: 2 },
    ]);
    expect(table?.actual).toEqual({ I: 2, U: 0, D: 0 });
    expect(table?.verdict).toBe('match');
  });

  it('keeps DMS’s own delete counted next to the reload’s', async () => {
    // Prepare: after the reload, DMS captures the delete of key 2.
    await loadChanges(fixture, route, [
      { op: 'D', at: '2026-01-10 09:00:00.000000', seq: '20260110090000000000000000000000001', id: 2 },
    ]);

    // Act
    const [table] = await reconcile(1);

    // Assess
    expect(table?.reload).toMatchObject({ state: 'done', record: { boundary: SINCE_TEXT, deleted: 1 } });
    expect(table?.actual).toEqual({ I: 2, U: 0, D: 1 });
    expect(table?.verdict).toBe('match');
  });

  it('sets the reload’s deletes apart on the next run too, when the record is no longer fresh', async () => {
    // Prepare
    await reconcile(0);

    // Act
    const [again] = await reconcile(0);

    // Assess
    expect(again?.reload).toMatchObject({ state: 'done', fresh: false, record: { deleted: 1 } });
    expect(again?.actual).toEqual({ I: 2, U: 0, D: 0 });
    expect(again?.verdict).toBe('match');
  });
});
