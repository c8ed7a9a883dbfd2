import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DmsTableStatistics } from '../../lambdas/shared/dms/table-statistics.js';
import {
  appendReloadDeletes,
  type CompletedLoad,
  reloadBoundary,
  reloadDeleteChanges,
} from '../../lambdas/shared/reconcile/reload.js';
import { settleReload } from '../../lambdas/shared/reconcile/reload-cleanup.js';
import type { ReloadRecord } from '../../lambdas/shared/reconcile/reload-record.js';
import type { Route } from '../../lambdas/shared/routing.js';
import {
  type EmulatorFixture,
  freshDataset,
  loaderLoadOptions,
  parquetFile,
  startEmulatorFixture,
  uniqueJobId,
  uploadAndWait,
} from '../bigquery-emulator/helpers.js';
import { type Change, loadChanges, ordersRoute } from '../support/changelog.js';

const STARTED = new Date('2026-02-01T08:00:00Z');
const BOUNDARY = '2026-02-01 08:00:00.000000';
const load: CompletedLoad = { startedAt: STARTED, endedAt: new Date(STARTED.getTime() + 60_000), rows: 1 };

const completed = (route: Route): DmsTableStatistics => ({
  schema: route.schema,
  table: route.table,
  state: 'Table completed',
  fullLoadRows: 1,
  inserts: 0,
  updates: 0,
  deletes: 0,
  fullLoadStartTime: STARTED,
  fullLoadEndTime: load.endedAt,
  reloaded: true,
});

/** Keys 1–3 loaded long ago, then a reload of key 1 only: keys 2 and 3 are gone at the source. */
const history = (keys: Partial<Change>[] = [{ id: 1 }, { id: 2 }, { id: 3 }]): Change[] => [
  ...keys.map((key) => ({ op: 'I' as const, at: '2026-01-01 00:00:00.000000', id: 0, ...key })),
  { op: 'I', at: BOUNDARY, ...keys[0], id: keys[0]?.id ?? 1 },
];

describe('the reload clean-up at its edges', () => {
  let fixture: EmulatorFixture;
  let route: Route;
  const projectId = () => fixture.emulator.projectId;

  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });
  beforeEach(async () => {
    fixture.emulator.faults.reset();
    route = { ...ordersRoute(await freshDataset(fixture)), current: 'view' };
  });

  const land = (changes: Change[] = history()) =>
    loadChanges(fixture, route, changes, { timePartitioning: { type: 'DAY' } });

  it('takes an empty load’s start as its boundary, whatever full-load rows the changelog holds', async () => {
    // Prepare: only the rows of the earlier load.
    await land(history().slice(0, 3));

    // Act
    const boundary = await reloadBoundary(fixture.bigquery, projectId(), route, { ...load, rows: 0 });

    // Assess
    expect(boundary).toBe(BOUNDARY);
  });

  it('has no boundary for a changelog not created yet, and passes on other failures', async () => {
    // Prepare
    await land();
    fixture.emulator.faults.failNext({
      method: 'POST',
      path: /\/queries$/,
      status: 403,
      reason: 'accessDenied',
    });

    // Act
    const failing = reloadBoundary(fixture.bigquery, projectId(), route, load);
    const missing = reloadBoundary(fixture.bigquery, projectId(), { ...route, targetTable: 'nothing' }, load);

    // Assess
    await expect(failing).rejects.toMatchObject({ code: 403 });
    expect(await missing).toBeUndefined();
  });

  it('passes on a refused insert of the append job instead of calling the deletes appended', async () => {
    // Prepare
    await land();
    fixture.emulator.faults.failNext({ method: 'POST', path: /\/jobs$/, status: 400, reason: 'invalid' });

    // Act
    const appending = appendReloadDeletes(fixture.bigquery, projectId(), route, load, BOUNDARY);

    // Assess
    await expect(appending).rejects.toMatchObject({ code: 400 });
  });

  it('names the table, the job and BigQuery’s message when the append job fails', async () => {
    // Prepare
    await land();
    fixture.emulator.faults.failJob({ reason: 'invalid', message: 'Query error: injected' });

    // Act
    const appending = appendReloadDeletes(fixture.bigquery, projectId(), route, load, BOUNDARY);

    // Assess
    await expect(appending).rejects.toThrow(
      new RegExp(
        `^appending the reload deletes of ${route.dataset}\\.orders \\(job dms2bq_reload_deletes_orders_[0-9a-f]{32}\\) failed: Query error: injected$`,
      ),
    );
  });

  it('deletes the keys a load lacked of a table with a composite primary key', async () => {
    // Prepare: key (1, a) reloaded; (1, b) and (2, a) are gone.
    route = { ...route, primaryKey: ['id', 'name'] };
    await land(
      history([
        { id: 1, name: 'a' },
        { id: 1, name: 'b' },
        { id: 2, name: 'a' },
      ]),
    );

    // Act
    const appended = await appendReloadDeletes(fixture.bigquery, projectId(), route, load, BOUNDARY);
    const changes = await reloadDeleteChanges(fixture.bigquery, projectId(), route, BOUNDARY);

    // Assess
    expect(appended).toBe(true);
    const deleted = changes.map((change) => ({
      ...(change.values as Record<string, unknown>),
      type: change.changeType,
    }));
    expect(deleted.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { id: '1', name: 'b', type: 'DELETE' },
      { id: '2', name: 'a', type: 'DELETE' },
    ]);
  });

  it('reads every page of the deleted keys', async () => {
    // Prepare: 10,001 deletes at the boundary, one more than a page.
    const path = await parquetFile(
      fixture,
      `SELECT 'D' AS "Op", '${BOUNDARY}' AS _dms_timestamp, CAST(i AS BIGINT) AS id, CAST(NULL AS VARCHAR) AS name, '' AS _dms_change_seq FROM range(10001) t(i)`,
    );
    await uploadAndWait(fixture.bigquery.dataset(route.dataset).table(route.targetTable), path, {
      ...loaderLoadOptions,
      jobId: uniqueJobId('deletes'),
    });

    // Act
    const changes = await reloadDeleteChanges(fixture.bigquery, projectId(), route, BOUNDARY);

    // Assess
    expect(changes).toHaveLength(10_001);
  }, 60_000);

  it('does not take a record of another table or of an earlier load for this load’s', async () => {
    // Prepare: no changelog, so an unrecorded load has nothing to clean up.
    const records: ReloadRecord[] = [
      { targetTable: 'customers', fullLoadStart: STARTED.toISOString(), boundary: BOUNDARY, deleted: 1 },
      { targetTable: 'orders', fullLoadStart: '2026-01-01T00:00:00.000Z', boundary: BOUNDARY, deleted: 1 },
    ];

    // Act
    const outcome = await settleReload(
      { bigquery: fixture.bigquery, projectId: projectId() },
      route,
      completed(route),
      records,
    );

    // Assess
    expect(outcome).toEqual({ state: 'none' });
  });

  it('cleans up a view-mode table without a streamer', async () => {
    // Prepare
    await land();

    // Act
    const outcome = await settleReload(
      { bigquery: fixture.bigquery, projectId: projectId() },
      route,
      completed(route),
      [],
    );

    // Assess
    expect(outcome).toMatchObject({ state: 'done', fresh: true, record: { boundary: BOUNDARY, deleted: 2 } });
  });

  it('cleans up a table-mode table without a streamer while it has no CDC table', async () => {
    // Prepare
    route = { ...route, current: 'table' };
    await land();

    // Act
    const outcome = await settleReload(
      { bigquery: fixture.bigquery, projectId: projectId() },
      route,
      completed(route),
      [],
    );

    // Assess
    expect(outcome).toMatchObject({ state: 'done', record: { deleted: 2 } });
  });

  it('skips a table-mode table with a CDC table when there is no streamer to delete from it', async () => {
    // Prepare
    route = { ...route, current: 'table' };
    await land();
    await fixture.bigquery.dataset(route.dataset).createTable('orders_current', {
      schema: { fields: [{ name: 'id', type: 'INTEGER', mode: 'REQUIRED' }] },
      tableConstraints: { primaryKey: { columns: ['id'] } },
    });

    // Act
    const outcome = await settleReload(
      { bigquery: fixture.bigquery, projectId: projectId() },
      route,
      completed(route),
      [],
    );

    // Assess
    expect(outcome).toEqual({ state: 'skipped' });
  });
});

describe('the append job’s wait', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ jobStateDelayMs: 3_000 });
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('passes on a failure while waiting that is not the time running out', async () => {
    // Prepare: the job runs for 3 s; half a second in, looking it up is refused.
    const route: Route = { ...ordersRoute(await freshDataset(fixture)), current: 'view' };
    await fixture.bigquery
      .dataset(route.dataset)
      .createTable(route.targetTable, { schema: { fields: [{ name: 'id', type: 'INTEGER' }] } });
    const arm = setTimeout(() => {
      fixture.emulator.faults.failNext({ method: 'GET', path: '/jobs/', status: 400, reason: 'invalid' });
    }, 500);

    // Act
    const appending = appendReloadDeletes(
      fixture.bigquery,
      fixture.emulator.projectId,
      route,
      load,
      BOUNDARY,
      10_000,
    );

    // Assess
    await expect(appending.finally(() => clearTimeout(arm))).rejects.toMatchObject({ code: 400 });
  });
});
