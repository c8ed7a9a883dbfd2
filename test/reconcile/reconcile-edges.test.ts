import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DmsTableStatistics, DmsTaskView } from '../../lambdas/shared/dms/table-statistics.js';
import { type ReconcileDeps, reconcileTables } from '../../lambdas/shared/reconcile/reconcile.js';
import type { Route } from '../../lambdas/shared/routing.js';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from '../bigquery-emulator/helpers.js';
import { type Change, loadChanges, ordersRoute } from '../support/changelog.js';

/** The reload's FullLoadStartTime. */
const SINCE = new Date('2026-01-10T08:00:00Z');

const fullLoad = (at: string, ids: number[]): Change[] =>
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
  arn: 'arn:aws:dms:eu-west-1:111111111111:task:EDGES',
  status: 'running',
  tables,
});

describe('reconcileTables at its edges', () => {
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
  });

  const reconcile = (deps: Partial<ReconcileDeps> & Pick<ReconcileDeps, 'statistics'>) =>
    reconcileTables({
      routes: [route],
      bigquery: fixture.bigquery,
      projectId: fixture.emulator.projectId,
      now: new Date(),
      ...deps,
    });

  it('keeps DMS’s own deletes when the reload’s deletes are stamped before the window', async () => {
    // Prepare: the reload's rows carry an earlier start of the task; key 1 is deleted after SINCE.
    await loadChanges(fixture, route, fullLoad('2026-01-01 00:00:00.000000', [1, 2, 3]), {
      timePartitioning: { type: 'DAY' },
    });
    await loadChanges(fixture, route, [
      ...fullLoad('2026-01-05 00:00:00.000000', [1, 2]),
      { op: 'D', at: '2026-01-10 09:00:00.000000', seq: '20260110090000000000000000000000001', id: 1 },
    ]);

    // Act
    const [table] = await reconcile({
      statistics: async () => task([statistics(route, { deletes: 1 })]),
      reloads: {},
    });

    // Assess
    expect(table?.reload).toMatchObject({
      state: 'done',
      record: { boundary: '2026-01-05 00:00:00.000000', deleted: 1 },
    });
    expect(table?.actual).toEqual({ I: 0, U: 0, D: 1 });
    expect(table?.missing).toEqual({ I: 2, U: 0, D: 0 });
  });

  it('compares the source’s row count when rows are missing, and names the task’s status', async () => {
    // Prepare: DMS counted 5 inserts, the changelog holds 2, and DMS has been quiet for an hour.
    await loadChanges(fixture, route, fullLoad('2026-01-01 00:00:00.000000', [1, 2]), {
      timePartitioning: { type: 'DAY' },
    });
    const now = new Date();
    const quiet = statistics(route, {
      fullLoadRows: 0,
      inserts: 5,
      fullLoadStartTime: undefined,
      lastUpdateTime: new Date(now.getTime() - 3_600_000),
    });

    // Act
    const [table] = await reconcile({
      statistics: async () => task([quiet]),
      sourceRows: async () => 5,
      now,
    });

    // Assess: no `_current` view here: it counts 0 rows.
    expect(table).toMatchObject({ verdict: 'missing', taskStatus: 'running', drifting: true });
    expect(table?.rows).toEqual({ sourceRows: 5, currentRows: 0, difference: -5 });
  });

  it('runs no `_current` count for a table whose source count is unknown', async () => {
    // Prepare: a first run stores the running totals, so the next runs query the same.
    await loadChanges(fixture, route, fullLoad('2026-01-01 00:00:00.000000', [1, 2]), {
      timePartitioning: { type: 'DAY' },
    });
    const settled = async () => task([statistics(route, { fullLoadRows: 2, fullLoadStartTime: undefined })]);
    await reconcile({ statistics: settled });
    const queries = async (run: () => Promise<unknown>) => {
      const [before] = await fixture.bigquery.getJobs({ allUsers: true });
      await run();
      const [after] = await fixture.bigquery.getJobs({ allUsers: true });
      return after.length - before.length;
    };

    // Act
    const without = await queries(() => reconcile({ statistics: settled }));
    const unknown = await queries(() =>
      reconcile({ statistics: settled, sourceRows: async () => undefined }),
    );

    // Assess
    expect(unknown).toBe(without);
  });

  it('asks DMS once per source, however many of its tables are mapped', async () => {
    // Prepare
    const other: Route = { ...route, table: 'customers', targetTable: 'customers' };
    let asked = 0;
    const counted = async () => {
      asked += 1;
      return task([statistics(route, {}), statistics(other, {})]);
    };

    // Act
    const tables = await reconcile({ routes: [route, other], statistics: counted });

    // Assess
    expect(tables).toHaveLength(2);
    expect(asked).toBe(1);
  });
});
