import type { BigQuery } from '@google-cloud/bigquery';
import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { registerWarehouseCommand } from '../../cli/commands/operate/warehouse.js';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import { applyWarehouse, WarehouseMappingError } from '../../lambdas/shared/warehouse/apply.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { runDms2bq } from '../support/cli.js';
import { mappingDir, sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

const apply = (...argv: string[]) => runDms2bq([registerWarehouseCommand], ['warehouse', 'apply', ...argv]);
const TABLES = ['bets', 'players', 'user_sessions', 'transactions', 'heartbeat'];
/** The example mapping's tables whose `_current` is a view; bets and transactions have a CDC table. */
const VIEWS = ['players', 'user_sessions', 'heartbeat'];
const CDC_TABLES = ['bets', 'transactions'];
const lines = (stdout: string) => stdout.split('\n').filter(Boolean);

describe('dms2bq warehouse apply', () => {
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

  it('creates the dataset, each declared changelog table and its view, without a query job', async () => {
    // Act
    const result = await apply('--endpoint', emulator.url);

    // Assess
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([
      'created dataset casino_a_cdc',
      ...TABLES.map((table) => `created table casino_a_cdc.${table}`),
      ...VIEWS.map((table) => `created view casino_a_cdc.${table}_current`),
      ...CDC_TABLES.map((table) => `created CDC table casino_a_cdc.${table}_current`),
      ...TABLES.map((table) => `created history view casino_a_cdc.${table}_history`),
    ]);
    // dataEditor has no bigquery.jobs.create: everything went through datasets/tables.insert.
    const [jobs] = await bigquery.getJobs();
    expect(jobs).toEqual([]);
  });

  it('--phase pre creates the dataset and the changelog tables only; --phase post then the views, CDC tables and history views', async () => {
    // Act
    const pre = await apply('--endpoint', emulator.url, '--phase', 'pre');
    const post = await apply('--endpoint', emulator.url, '--phase', 'post');

    // Assess
    expect(lines(pre.stdout)).toEqual([
      'created dataset casino_a_cdc',
      ...TABLES.map((table) => `created table casino_a_cdc.${table}`),
    ]);
    expect(lines(post.stdout)).toEqual([
      ...VIEWS.map((table) => `created view casino_a_cdc.${table}_current`),
      ...CDC_TABLES.map((table) => `created CDC table casino_a_cdc.${table}_current`),
      ...TABLES.map((table) => `created history view casino_a_cdc.${table}_history`),
    ]);
  });

  it.each([
    [['--phase', 'first'], 'warehouse apply: --phase first: must be pre, post or all'],
    [
      ['--phase', 'pre', '--backfill'],
      'warehouse apply: --backfill fills CDC tables, which --phase pre does not apply',
    ],
  ])('refuses %j with a one-line usage error', async (argv, message) => {
    // Act
    const result = await apply('--endpoint', emulator.url, ...argv);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('is idempotent', async () => {
    // Prepare
    await apply('--endpoint', emulator.url);

    // Act
    const second = await apply('--endpoint', emulator.url);

    // Assess
    expect(lines(second.stdout)).toEqual([
      ...VIEWS.map((table) => `unchanged view casino_a_cdc.${table}_current`),
      ...CDC_TABLES.map((table) => `unchanged CDC table casino_a_cdc.${table}_current`),
      ...TABLES.map((table) => `unchanged history view casino_a_cdc.${table}_history`),
    ]);
  });

  it('brings a view with an outdated query up to date through tables.patch', async () => {
    // Prepare
    await apply('--endpoint', emulator.url);
    const view = bigquery.dataset('casino_a_cdc').table('players_current');
    await view.setMetadata({
      view: { query: 'SELECT id FROM `local-project.casino_a_cdc.players`', useLegacySql: false },
    });

    // Act
    const result = await apply('--endpoint', emulator.url);

    // Assess
    expect(result.stdout).toContain('updated view casino_a_cdc.players_current\n');
    const [metadata] = await view.getMetadata();
    expect(metadata.view.query).toContain('QUALIFY ROW_NUMBER()');
  });

  it('leaves a table without declared columns to its first load', async () => {
    // Prepare
    const { dir, cleanup } = await mappingDir({ 'shop.json': sourceMappingFactory() });

    // Act
    const result = await apply('--endpoint', emulator.url, '--mappings', dir);
    await cleanup();

    // Assess
    expect(lines(result.stdout)).toEqual([
      'created dataset shop_cdc',
      'waiting for shop_cdc.orders: its mapping declares no columns, so the loader creates the table and its view with the first file',
    ]);
  });

  it('refuses, before touching BigQuery, a column type it cannot map, naming the file and field', async () => {
    // Prepare
    const table = tableMappingFactory({
      columns: [
        { name: 'id', type: 'bigint' },
        { name: 'shape', type: 'geometry' },
      ],
    });
    const { dir, cleanup } = await mappingDir({ 'shop.json': sourceMappingFactory({ tables: [table] }) });

    // Act
    const result = await apply('--endpoint', emulator.url, '--mappings', dir);
    await cleanup();

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')).toEqual([
      expect.stringMatching(
        /shop\.json: \/tables\/0\/columns\/1\/type: column "shape": "geometry" is not a MySQL type/,
      ),
      'warehouse apply: the mappings are invalid; fix the problems above (dms2bq validate).',
      '',
    ]);
    const [datasets] = await bigquery.getDatasets();
    expect(datasets).toEqual([]);
  });
});

describe('applyWarehouse on a mapping that skipped validation', () => {
  it('names the source, table and column it cannot map, and creates no table', async () => {
    // Prepare
    const emulator = await startBigQueryEmulator({ port: 0, jobStateDelayMs: 0 });
    onTestFinished(() => emulator.stop());
    const bigquery = createBigQueryClient({
      projectId: emulator.projectId,
      location: 'US',
      credentials: { kind: 'none' },
      apiEndpoint: emulator.url,
    });
    const table = tableMappingFactory({ columns: [{ name: 'id', type: 'bigint unsigned zerofill(3)' }] });

    // Act
    const applied = applyWarehouse(bigquery, [sourceMappingFactory({ tables: [table] })], 'US');

    // Assess
    await expect(applied).rejects.toThrow(
      new WarehouseMappingError(
        'mappings/shop.json: table sales.orders: column id: "bigint unsigned zerofill(3)" is not a MySQL type DMS writes to Parquet as this project knows it; remove "columns" from the table to let its first load create the table',
      ),
    );
    const [tables] = await bigquery.dataset('shop_cdc').getTables();
    expect(tables).toEqual([]);
  });
});

describe('dms2bq warehouse apply --stage', () => {
  it('names a missing stage config', async () => {
    // Act
    const result = await apply('--stage', 'qa');

    // Assess
    expect(result).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('config/qa.json: no such stage config'),
    });
  });
});
