import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CdcStreamer, createCdcStreamer } from '../../lambdas/shared/bigquery/cdc-stream.js';
import { readReplicationTask } from '../../lambdas/shared/dms/table-statistics.js';
import { reconcileTables } from '../../lambdas/shared/reconcile/reconcile.js';
import { appendReloadDeletes } from '../../lambdas/shared/reconcile/reload.js';
import type { Route } from '../../lambdas/shared/routing.js';
import { rebuildCurrentTable } from '../../lambdas/shared/warehouse/rebuild-current.js';
import { EmulatorClock } from '../../local/bigquery-emulator/clock.js';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from '../bigquery-emulator/helpers.js';
import { type Change, loadChanges, ordersRoute, tableRows, viewRows } from '../support/changelog.js';
import { DmsFake } from '../support/dms-fake.js';

const IDENTIFIER = 'dms2bq-test-shop';
const MAPPINGS = JSON.stringify({
  rules: [
    {
      'rule-type': 'selection',
      'rule-id': '1',
      'rule-name': 'orders',
      'object-locator': { 'schema-name': 'sales', 'table-name': 'orders' },
      'rule-action': 'include',
    },
  ],
});
/** When the fake DMS starts the reload (its clock's start). */
const RELOAD_START = Date.parse('2026-11-30T08:00:00Z');

/**
 * Before the gap: keys 1–5 full-loaded, key 1 updated, key 5 deleted (captured). During the gap,
 * not captured: keys 2 and 3 deleted, key 6 inserted. The source now holds keys 1, 4 and 6.
 */
const beforeGap: Change[] = [1, 2, 3, 4, 5].map((id) => ({
  op: 'I',
  at: '2026-11-01 00:00:00.000000',
  id,
  name: `v0-${id}`,
}));
beforeGap.push(
  {
    op: 'U',
    at: '2026-11-10 00:00:00.000000',
    seq: '20261110000000000000000000000000001',
    id: 1,
    name: 'v1-1',
  },
  { op: 'D', at: '2026-11-12 00:00:00.000000', seq: '20261112000000000000000000000000002', id: 5 },
);
const SOURCE = [
  { id: 1, name: 'v1-1' },
  { id: 4, name: 'v0-4' },
  { id: 6, name: 'v0-6' },
];

/**
 * What `_dms_timestamp` a reload's rows carry is not documented (ADR 0047): the reload's start, or an
 * earlier start of the task (here the restart after the gap). Both must end equal to the source.
 */
const stamps = [
  // Counted from FullLoadStartTime, the reload's rows match DMS's statistics once its deletes are
  // set apart; stamped before it, they fall outside the window: a shortfall reported, not alarmed.
  { stamp: 'the reload’s start', at: '2026-11-30 08:00:00.000000', verdict: 'match' },
  { stamp: 'the task’s restart after the gap', at: '2026-11-20 00:00:00.000000', verdict: 'reloaded' },
];
const reloadRows = (at: string, ids = [1, 4, 6]): Change[] =>
  ids.map((id) => ({ op: 'I', at, id, name: SOURCE.find((row) => row.id === id)?.name ?? '' }));

const names = (rows: unknown[]) =>
  rows.map((row) => {
    const { id, name } = row as { id: bigint; name: string };
    return { id: Number(id), name };
  });

describe.each(stamps)('a reload after a capture gap, its rows stamped with $stamp', ({ at, verdict }) => {
  let fixture: EmulatorFixture;
  let streamer: CdcStreamer;
  let dms: DmsFake;
  let route: Route;

  beforeAll(async () => {
    // The emulator's clock is the day of the first full load: its rows land in that day's partition.
    const clock = new EmulatorClock((Date.parse('2026-11-01T00:05:00Z') - Date.now()) / 1000);
    fixture = await startEmulatorFixture({ storageWrite: true, clock });
    streamer = createCdcStreamer(fixture.emulator.storageWrite?.clientOptions ?? {});
  });
  afterAll(async () => {
    await streamer.close();
    await fixture.stop();
  });
  beforeEach(async () => {
    fixture.emulator.clock.advance(
      (Date.parse('2026-11-01T00:05:00Z') - fixture.emulator.clock.now()) / 1000,
    );
    route = ordersRoute(await freshDataset(fixture));
    // Ingestion-time partitioned, as the loader creates every changelog (load-config.ts).
    await loadChanges(fixture, route, beforeGap, { timePartitioning: { type: 'DAY' } });
    dms = new DmsFake();
    dms.seed(IDENTIFIER, MAPPINGS, 'running');
    dms.sourceRows['sales.orders'] = SOURCE.length;
    // The reload runs on the 30th: its files land in that day's partition.
    fixture.emulator.clock.advance((RELOAD_START + 60_000 - fixture.emulator.clock.now()) / 1000);
    dms.reloadTable(IDENTIFIER, 'sales.orders');
  });
  afterEach(() => {
    dms.mock.restore();
  });

  /** The loader's part: the reload's files reach the changelog and the CDC table. */
  const land = async (ids?: number[]) => {
    await loadChanges(fixture, route, reloadRows(at, ids));
    await rebuildCurrentTable({ bigquery: fixture.bigquery, route, streamer, tombstonesSince: null });
  };
  const reconcile = () =>
    reconcileTables({
      routes: [route],
      statistics: () => readReplicationTask(new DatabaseMigrationServiceClient({}), IDENTIFIER),
      bigquery: fixture.bigquery,
      projectId: fixture.emulator.projectId,
      now: new Date(dms.now()),
      reloads: { streamer },
    });

  it('ends with the view and the CDC table equal to the source once the reload has completed', async () => {
    // Prepare
    await land();
    dms.tick();
    expect(names(await viewRows(fixture.bigquery, route))).toEqual([
      { id: 1, name: 'v1-1' },
      { id: 2, name: 'v0-2' },
      { id: 3, name: 'v0-3' },
      { id: 4, name: 'v0-4' },
      { id: 6, name: 'v0-6' },
    ]);

    // Act
    const [table] = await reconcile();

    // Assess
    expect(table?.reload).toMatchObject({ state: 'done', fresh: true, record: { deleted: 2 } });
    expect(table?.verdict).toBe(verdict);
    expect(names(await viewRows(fixture.bigquery, route))).toEqual(SOURCE);
    expect(await tableRows(fixture.bigquery, route)).toEqual(await viewRows(fixture.bigquery, route));
  });

  it('removes nothing while the reload runs', async () => {
    // Prepare
    await land([1, 4]);
    const before = await viewRows(fixture.bigquery, route);

    // Act
    const [table] = await reconcile();

    // Assess
    expect(table?.reload).toEqual({ state: 'none' });
    expect(await viewRows(fixture.bigquery, route)).toEqual(before);
    expect(await tableRows(fixture.bigquery, route)).toEqual(before);
  });

  it('waits for every row of a completed reload to reach the changelog, then removes the stale keys', async () => {
    // Prepare
    await land([1, 4]);
    dms.tick();
    const before = await viewRows(fixture.bigquery, route);

    // Act
    const [waiting] = await reconcile();
    const unchanged = await viewRows(fixture.bigquery, route);
    await land([6]);
    const [done] = await reconcile();

    // Assess
    expect(waiting?.reload).toMatchObject({ state: 'waiting' });
    expect(unchanged).toEqual(before);
    expect(done?.reload).toMatchObject({ state: 'done', record: { deleted: 2 } });
    expect(names(await viewRows(fixture.bigquery, route))).toEqual(SOURCE);
    expect(await tableRows(fixture.bigquery, route)).toEqual(await viewRows(fixture.bigquery, route));
  });

  it('does the clean-up once: a later run finds the record and appends nothing', async () => {
    // Prepare
    await land();
    dms.tick();
    await reconcile();
    const [counted] = await fixture.bigquery.query({
      query: `SELECT COUNT(*) AS n FROM \`${route.dataset}.orders\``,
    });

    // Act
    const [again] = await reconcile();

    // Assess
    expect(again?.reload).toMatchObject({ state: 'done', fresh: false, record: { deleted: 2 } });
    const [recounted] = await fixture.bigquery.query({
      query: `SELECT COUNT(*) AS n FROM \`${route.dataset}.orders\``,
    });
    expect(recounted).toEqual(counted);
  });

  it('removes the old key of a primary-key update, which DMS never deletes', async () => {
    // Prepare: UPDATE … SET id = 7 WHERE id = 4 reaches S3 as one U row with the new key only.
    await loadChanges(fixture, route, [
      {
        op: 'U',
        at: '2026-11-25 00:00:00.000000',
        seq: '20261125000000000000000000000000003',
        id: 7,
        name: 'v0-4',
      },
    ]);
    dms.sourceRows['sales.orders'] = 3;
    fixture.emulator.clock.advance(60);
    dms.tick();
    dms.reloadTable(IDENTIFIER, 'sales.orders');
    await loadChanges(fixture, route, [...reloadRows(at, [1, 6]), { op: 'I', at, id: 7, name: 'v0-4' }]);
    await rebuildCurrentTable({ bigquery: fixture.bigquery, route, streamer, tombstonesSince: null });
    dms.tick();

    // Act
    await reconcile();

    // Assess
    expect(names(await viewRows(fixture.bigquery, route))).toEqual([
      { id: 1, name: 'v1-1' },
      { id: 6, name: 'v0-6' },
      { id: 7, name: 'v0-4' },
    ]);
    expect(await tableRows(fixture.bigquery, route)).toEqual(await viewRows(fixture.bigquery, route));
  });

  it('does nothing, and fails nothing, for a completed empty load of a table that has no changelog', async () => {
    // Prepare: an empty source table writes no LOAD file, so no changelog is ever created.
    const empty = ordersRoute(await freshDataset(fixture));
    dms.sourceRows['sales.orders'] = 0;
    dms.tick();
    dms.reloadTable(IDENTIFIER, 'sales.orders');
    dms.tick();

    // Act
    const [table] = await reconcileTables({
      routes: [empty],
      statistics: () => readReplicationTask(new DatabaseMigrationServiceClient({}), IDENTIFIER),
      bigquery: fixture.bigquery,
      projectId: fixture.emulator.projectId,
      now: new Date(dms.now()),
      reloads: { streamer },
    });

    // Assess
    expect(table?.reload).toEqual({ state: 'none' });
  });

  it('keeps a key re-inserted after the reload', async () => {
    // Prepare
    await land();
    dms.tick();
    await reconcile();
    const reinsert: Change = {
      op: 'I',
      at: '2026-11-30 09:00:00.000000',
      seq: '20261130090000000000000000000000001',
      id: 2,
      name: 'v2-2',
    };

    // Act
    await loadChanges(fixture, route, [reinsert]);

    // Assess
    expect(names(await viewRows(fixture.bigquery, route))).toContainEqual({ id: 2, name: 'v2-2' });
  });
});

describe('the query appending a reload’s deletes, when it outlasts the run', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    // Query jobs stay RUNNING for 8 s, far longer than a wait of 0 ms (stop waits for them to end).
    fixture = await startEmulatorFixture({ jobStateDelayMs: 8_000 });
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('reports it still running instead of failing the run, and the next run finds the same job', async () => {
    // Prepare
    const route = ordersRoute(await freshDataset(fixture));
    await fixture.bigquery
      .dataset(route.dataset)
      .createTable(route.targetTable, { schema: { fields: [{ name: 'id', type: 'INTEGER' }] } });
    const load = { startedAt: new Date(RELOAD_START), endedAt: new Date(RELOAD_START + 60_000), rows: 0 };
    const boundary = '2026-11-30 08:00:00.000000';

    // Act
    const first = await appendReloadDeletes(
      fixture.bigquery,
      fixture.emulator.projectId,
      route,
      load,
      boundary,
      0,
    );
    const second = await appendReloadDeletes(
      fixture.bigquery,
      fixture.emulator.projectId,
      route,
      load,
      boundary,
      0,
    );

    // Assess
    expect([first, second]).toEqual([false, false]);
    const [jobs] = await fixture.bigquery.getJobs({ allUsers: true });
    expect(jobs.filter((job) => job.id?.startsWith('dms2bq_reload_deletes_orders_'))).toHaveLength(1);
  });
});
