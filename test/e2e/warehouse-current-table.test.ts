import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BigQuery, TableMetadata } from '@google-cloud/bigquery';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerWarehouseCommand } from '../../cli/commands/operate/warehouse.js';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import { buildRoutingTable } from '../../lambdas/shared/routing.js';
import { ensureCurrentView } from '../../lambdas/shared/warehouse/current-view.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { uploadAndWait } from '../bigquery-emulator/helpers.js';
import { runDms2bq } from '../support/cli.js';
import { mappingDir, sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

const lines = (stdout: string) => stdout.split('\n').filter(Boolean);

const shop = (overrides: Partial<SourceMapping['bigquery']> = {}, table = {}): SourceMapping =>
  sourceMappingFactory({
    bigquery: { dataset: 'shop_cdc', current: 'table', maxStaleness: '15m', ...overrides },
    tables: [
      tableMappingFactory({
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'status', type: 'varchar(16)' },
        ],
        ...table,
      }),
    ],
  });

describe('dms2bq warehouse apply, "current": "table"', () => {
  let emulator: BigQueryEmulator;
  let bigquery: BigQuery;
  let dir: string;

  beforeEach(async () => {
    emulator = await startBigQueryEmulator({ port: 0, jobStateDelayMs: 0 });
    bigquery = createBigQueryClient({
      projectId: emulator.projectId,
      location: 'US',
      credentials: { kind: 'none' },
      apiEndpoint: emulator.url,
    });
    dir = await mkdtemp(join(tmpdir(), 'warehouse-current-table-'));
  });
  afterEach(async () => {
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const apply = async (mapping: SourceMapping) => {
    const mappings = await mappingDir({ 'shop.json': mapping });
    return runDms2bq(
      [registerWarehouseCommand],
      ['warehouse', 'apply', '--endpoint', emulator.url, '--mappings', mappings.dir],
    ).finally(mappings.cleanup);
  };
  const metadataOf = async (table: string): Promise<TableMetadata> =>
    (await bigquery.dataset('shop_cdc').table(table).getMetadata())[0];
  /** A DMS-shaped Parquet file loaded into the changelog as the loader loads it (field addition allowed). */
  const loadChangelog = async (select: string) => {
    const path = join(dir, `file-${Date.now()}-${Math.random()}.parquet`);
    await emulator.query(`COPY (${select}) TO '${path}' (FORMAT PARQUET)`);
    await uploadAndWait(bigquery.dataset('shop_cdc').table('orders'), path, {
      sourceFormat: 'PARQUET',
      writeDisposition: 'WRITE_APPEND',
      schemaUpdateOptions: ['ALLOW_FIELD_ADDITION'],
    });
  };
  const row = `'I' AS Op, '2026-11-30 10:00:00.000000' AS _dms_timestamp, 1::BIGINT AS id, 'new' AS status, '' AS _dms_change_seq`;

  it('creates the CDC table from the declared columns, keyed, clustered and stale as mapped, without a query job', async () => {
    // Act
    const result = await apply(shop());

    // Assess
    expect(lines(result.stdout)).toEqual([
      'created dataset shop_cdc',
      'created table shop_cdc.orders',
      'created CDC table shop_cdc.orders_current',
    ]);
    expect(await metadataOf('orders_current')).toMatchObject({
      type: 'TABLE',
      schema: {
        fields: [
          { name: 'id', type: 'INTEGER', mode: 'NULLABLE' },
          { name: 'status', type: 'STRING', mode: 'NULLABLE' },
          { name: '_source_changed_at', type: 'TIMESTAMP', mode: 'NULLABLE' },
          { name: '_dms_change_seq', type: 'STRING', mode: 'NULLABLE' },
        ],
      },
      tableConstraints: { primaryKey: { columns: ['id'] } },
      clustering: { fields: ['id'] },
      maxStaleness: '0-0 0 0:15:0',
    });
    const [jobs] = await bigquery.getJobs();
    expect(jobs.filter((job) => job.metadata?.configuration?.query)).toEqual([]);
  });

  it('leaves out max_staleness when the mapping sets none', async () => {
    // Act
    await apply(shop({ maxStaleness: undefined }));

    // Assess
    expect((await metadataOf('orders_current')).maxStaleness).toBeUndefined();
  });

  it('is idempotent', async () => {
    // Prepare
    await apply(shop());

    // Act
    const second = await apply(shop());

    // Assess
    expect(lines(second.stdout)).toEqual(['unchanged CDC table shop_cdc.orders_current']);
  });

  it('appends the columns the changelog gained, after the existing ones', async () => {
    // Prepare
    await apply(shop());
    await loadChangelog(`SELECT ${row}, 'late' AS note`);

    // Act
    const result = await apply(shop());

    // Assess
    expect(lines(result.stdout)).toEqual(['updated CDC table shop_cdc.orders_current: added column note']);
    const fields = (await metadataOf('orders_current')).schema?.fields?.map((field) => field.name);
    expect(fields).toEqual(['id', 'status', '_source_changed_at', '_dms_change_seq', 'note']);
  });

  it('updates max_staleness when the mapping changes it', async () => {
    // Prepare
    await apply(shop());

    // Act
    const result = await apply(shop({ maxStaleness: '1h' }));

    // Assess
    expect(lines(result.stdout)).toEqual([
      'updated CDC table shop_cdc.orders_current: max_staleness 0-0 0 0:15:0 → 1h',
    ]);
    expect((await metadataOf('orders_current')).maxStaleness).toBe('0-0 0 1:0:0');
  });

  it('clears max_staleness when the mapping drops it', async () => {
    // Prepare
    await apply(shop());

    // Act
    const result = await apply(shop({ maxStaleness: undefined }));

    // Assess
    expect(lines(result.stdout)).toEqual([
      'updated CDC table shop_cdc.orders_current: max_staleness 0-0 0 0:15:0 → none',
    ]);
    expect((await metadataOf('orders_current')).maxStaleness).toBeUndefined();
  });

  it('replaces the view with a CDC table and prints the command that fills it from the changelog', async () => {
    // Prepare
    await apply(shop({ current: 'view', maxStaleness: undefined }));
    await loadChangelog(`SELECT ${row}`);

    // Act
    const result = await apply(shop());

    // Assess
    expect(lines(result.stdout)).toEqual([
      'replaced shop_cdc.orders_current with a CDC table ("current": "table"): it was a view',
      'backfill needed: shop_cdc.orders_current starts empty, but shop_cdc.orders holds 1 change from before; fill it with: dms2bq warehouse rebuild-current --table shop_cdc.orders',
    ]);
    expect(await metadataOf('orders_current')).toMatchObject({
      type: 'TABLE',
      tableConstraints: { primaryKey: { columns: ['id'] } },
    });
    // The switch went through tables.delete/insert: the only job is the changelog load above.
    const [jobs] = await bigquery.getJobs();
    expect(
      jobs.map((job) => Object.keys(job.metadata?.configuration ?? {}).filter((k) => k !== 'jobType')),
    ).toEqual([['load']]);
  });

  it('replaces an empty changelog’s view without asking for a backfill', async () => {
    // Prepare
    await apply(shop({ current: 'view', maxStaleness: undefined }));

    // Act
    const result = await apply(shop());

    // Assess
    expect(lines(result.stdout)).toEqual([
      'replaced shop_cdc.orders_current with a CDC table ("current": "table"): it was a view',
    ]);
  });

  it('replaces the CDC table with the view when the table goes back to "view"', async () => {
    // Prepare
    await apply(shop());

    // Act
    const result = await apply(shop({ maxStaleness: undefined }, { current: 'view' }));

    // Assess
    expect(lines(result.stdout)).toEqual([
      'replaced the CDC table shop_cdc.orders_current with a view ("current": "view")',
    ]);
    expect((await metadataOf('orders_current')).type).toBe('VIEW');
  });

  it('recreates the CDC table when the mapping changes its primary key, and asks for a backfill', async () => {
    // Prepare
    await apply(shop());
    await loadChangelog(`SELECT ${row}`);

    // Act
    const result = await apply(shop({}, { primaryKey: ['id', 'status'] }));

    // Assess
    expect(lines(result.stdout)).toEqual([
      `replaced shop_cdc.orders_current with a CDC table ("current": "table"): its primary key was (id), the mapping's is (id, status)`,
      expect.stringMatching(/^backfill needed: shop_cdc\.orders_current starts empty/),
    ]);
    expect((await metadataOf('orders_current')).tableConstraints).toEqual({
      primaryKey: { columns: ['id', 'status'] },
    });
  });

  it('rebuilds the CDC table when a changelog column was widened, and asks for a backfill', async () => {
    // Prepare
    const columns = [
      { name: 'id', type: 'bigint' },
      { name: 'qty', type: 'int' },
    ];
    await apply(shop({}, { columns }));
    await loadChangelog(
      `SELECT 'I' AS Op, '2026-11-30 10:00:00.000000' AS _dms_timestamp, 1::BIGINT AS id, 2::BIGINT AS qty, '' AS _dms_change_seq`,
    );
    // What the loader does when a file brings a wider type (ADR 0017).
    await bigquery.query('ALTER TABLE `shop_cdc.orders` ALTER COLUMN qty SET DATA TYPE NUMERIC');

    // Act
    const result = await apply(shop({}, { columns }));

    // Assess
    expect(lines(result.stdout)).toEqual([
      `replaced shop_cdc.orders_current with a CDC table ("current": "table"): its column qty is INT64, the changelog's is NUMERIC`,
      expect.stringMatching(
        /^backfill needed: shop_cdc\.orders_current starts empty, but shop_cdc\.orders holds 1 change/,
      ),
    ]);
    const fields = (await metadataOf('orders_current')).schema?.fields;
    expect(fields?.find((field) => field.name === 'qty')?.type).toBe('NUMERIC');
  });

  it('refuses a plain table in the way, naming it and the fix, and leaves it alone', async () => {
    // Prepare
    await apply(shop({ current: 'view', maxStaleness: undefined }));
    await bigquery.dataset('shop_cdc').table('orders_current').delete();
    await bigquery
      .dataset('shop_cdc')
      .createTable('orders_current', { schema: { fields: [{ name: 'x', type: 'STRING' }] } });

    // Act
    const result = await apply(shop());

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'warehouse apply: shop_cdc.orders_current exists as a TABLE without a primary key, not the CDC table "current": "table" needs; rename or drop it, or set another "target" for sales.orders\n',
    );
    expect((await metadataOf('orders_current')).schema?.fields).toEqual([
      { name: 'x', type: 'STRING', mode: 'NULLABLE' },
    ]);
  });
});

describe('dms2bq warehouse apply, "current": "table" without declared columns', () => {
  let emulator: BigQueryEmulator;
  let bigquery: BigQuery;

  beforeEach(async () => {
    emulator = await startBigQueryEmulator({ port: 0, jobStateDelayMs: 0 });
    bigquery = createBigQueryClient({
      projectId: emulator.projectId,
      location: 'US',
      credentials: { kind: 'none' },
      apiEndpoint: emulator.url,
    });
    return () => emulator.stop();
  });

  const mapping = sourceMappingFactory({ bigquery: { dataset: 'shop_cdc', current: 'table' } });
  const apply = async () => {
    const mappings = await mappingDir({ 'shop.json': mapping });
    return runDms2bq(
      [registerWarehouseCommand],
      ['warehouse', 'apply', '--endpoint', emulator.url, '--mappings', mappings.dir],
    ).finally(mappings.cleanup);
  };
  /** The changelog as a first load would create it (the loader's load creates the table). */
  const firstLoadCreates = (idType: string) =>
    bigquery.dataset('shop_cdc').createTable('orders', {
      schema: {
        fields: [
          { name: 'Op', type: 'STRING' },
          { name: '_dms_timestamp', type: 'STRING' },
          { name: 'id', type: idType },
          { name: 'total', type: 'NUMERIC' },
          { name: '_dms_change_seq', type: 'STRING' },
        ],
      },
    });

  it('waits for the first file, saying what follows', async () => {
    // Act
    const result = await apply();

    // Assess
    expect(lines(result.stdout)).toEqual([
      'created dataset shop_cdc',
      'waiting for shop_cdc.orders: its mapping declares no columns, so the loader creates the table and its CDC table with the first file',
    ]);
  });

  it('creates the CDC table from the changelog’s real schema once it exists', async () => {
    // Prepare
    await apply();
    await firstLoadCreates('INTEGER');

    // Act
    const result = await apply();

    // Assess
    expect(lines(result.stdout)).toEqual(['created CDC table shop_cdc.orders_current']);
    const [metadata] = await bigquery.dataset('shop_cdc').table('orders_current').getMetadata();
    expect(metadata.schema.fields.map((field: { name: string }) => field.name)).toEqual([
      'id',
      'total',
      '_source_changed_at',
      '_dms_change_seq',
    ]);
  });

  it('has the loader create the CDC table over the changelog right after its first load, once', async () => {
    // Prepare
    await apply();
    await firstLoadCreates('INTEGER');
    const route = buildRoutingTable([mapping])['shop/sales/orders'];
    if (route === undefined) throw new Error('no route for shop/sales/orders');

    // Act
    const first = await ensureCurrentView(bigquery, route);
    const second = await ensureCurrentView(bigquery, route);

    // Assess
    expect([first, second]).toEqual(['created', 'exists']);
    const [metadata] = await bigquery.dataset('shop_cdc').table('orders_current').getMetadata();
    expect(metadata).toMatchObject({ type: 'TABLE', tableConstraints: { primaryKey: { columns: ['id'] } } });
  });

  it('refuses a key column whose loaded type a primary key cannot have, naming the file and the fix', async () => {
    // Prepare
    await bigquery.createDataset('shop_cdc');
    await firstLoadCreates('FLOAT');

    // Act
    const result = await apply();

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'warehouse apply: mappings/shop.json: table sales.orders ("current": "table"): BigQuery would refuse its CDC table shop_cdc.orders_current: primary key column id is FLOAT64, which a BigQuery primary key cannot be (only BIGNUMERIC, BOOL, DATE, DATETIME, INT64, NUMERIC, STRING, TIMESTAMP); fix its "primaryKey" or "excludeColumns", or set "current": "view" on it\n',
    );
    const [tables] = await bigquery.dataset('shop_cdc').getTables();
    expect(tables.map((table) => table.id)).toEqual(['orders']);
  });
});
