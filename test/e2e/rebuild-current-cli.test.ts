import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerWarehouseCommand } from '../../cli/commands/operate/warehouse.js';
import type { LocalEnvironment } from '../../cli/local-environment.js';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import { type EmulatorFixture, startEmulatorFixture } from '../bigquery-emulator/helpers.js';
import { loadChanges, ordersRoute, tableRows, viewRows } from '../support/changelog.js';
import { runDms2bq } from '../support/cli.js';
import { mappingDir, sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

const rebuild = (...argv: string[]) =>
  runDms2bq([registerWarehouseCommand], ['warehouse', 'rebuild-current', ...argv]);

const shop = (current: 'view' | 'table'): SourceMapping =>
  sourceMappingFactory({
    bigquery: { dataset: 'shop_cdc', current },
    tables: [tableMappingFactory(), tableMappingFactory({ table: 'refunds' })],
  });

describe('dms2bq warehouse rebuild-current', () => {
  let fixture: EmulatorFixture;
  let mappings: { dir: string; cleanup: () => Promise<void> };
  let grpc: string;
  const route = ordersRoute('shop_cdc');

  beforeAll(async () => {
    fixture = await startEmulatorFixture({ storageWrite: true });
    grpc = `${fixture.emulator.storageWrite?.host}:${fixture.emulator.storageWrite?.port}`;
    mappings = await mappingDir({ 'shop.json': shop('table') });
    await fixture.bigquery.createDataset('shop_cdc');
    await loadChanges(fixture, route, [
      { op: 'I', at: '2026-11-01 00:00:00.000000', id: 1, name: 'ann', balance: '1.50' },
      { op: 'I', at: '2026-11-01 00:00:00.000000', id: 2, name: 'bob' },
      {
        op: 'U',
        at: '2026-11-02 00:00:00.000000',
        seq: '20261102000000000000000000000000001',
        id: 1,
        name: 'ann-2',
      },
    ]);
  });
  afterAll(async () => {
    await mappings.cleanup();
    await fixture.stop();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('rebuilds the table of the running local environment with --local', async () => {
    // Prepare
    const state = join(fixture.dir, 'up.json');
    const environment: Partial<LocalEnvironment> = {
      bigqueryEndpoint: fixture.emulator.url,
      storageWriteEndpoint: grpc,
      projectId: fixture.emulator.projectId,
      location: 'US',
      mappingsDir: mappings.dir,
      pid: process.pid,
    };
    await writeFile(state, JSON.stringify(environment));
    vi.stubEnv('DMS2BQ_LOCAL_STATE', state);

    // Act
    const result = await rebuild('--local', '--table', 'shop_cdc.orders');

    // Assess
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(
      /^rebuilt shop_cdc\.orders_current from shop_cdc\.orders: 2 rows, 0 tombstones, 1 AppendRows request\(s\), \d+\.\d s\n$/,
    );
    expect(await tableRows(fixture.bigquery, route)).toEqual(await viewRows(fixture.bigquery, route));
  });

  it('takes the table as <source>.<schema>.<table> and an emulator endpoint', async () => {
    // Act
    const result = await rebuild(
      '--endpoint',
      fixture.emulator.url,
      '--storage-write-endpoint',
      grpc,
      '--mappings',
      mappings.dir,
      '--table',
      'shop.sales.orders',
      '--json',
    );

    // Assess
    expect(JSON.parse(result.stdout)).toMatchObject({
      table: 'shop_cdc.orders_current',
      upserts: 2,
      deletes: 0,
    });
  });

  it.each([
    [
      'a table no mapping routes',
      ['--table', 'shop_cdc.returns'],
      /^--table shop_cdc\.returns: no mapping in .* routes a table there; add it to mappings\/<source>\.json, or pass --mappings <dir>\n$/,
    ],
    [
      'a malformed --table',
      ['--table', 'orders'],
      /^--table orders: expected <dataset>\.<table> .* or <source>\.<schema>\.<table>/,
    ],
  ])('refuses %s in one line', async (_, argv, message) => {
    // Act
    const result = await rebuild(
      '--endpoint',
      fixture.emulator.url,
      '--storage-write-endpoint',
      grpc,
      '--mappings',
      mappings.dir,
      ...argv,
    );

    // Assess
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  it('refuses a table whose changelog does not exist yet, in one line', async () => {
    // Act
    const result = await rebuild(
      '--endpoint',
      fixture.emulator.url,
      '--storage-write-endpoint',
      grpc,
      '--mappings',
      mappings.dir,
      '--table',
      'shop.sales.refunds',
    );

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^warehouse rebuild-current: changelog shop_cdc\.refunds does not exist, so there is nothing to rebuild from: the loader creates it with the table's first file/,
    );
    expect(result.stderr.split('\n')).toHaveLength(2);
  });

  it('refuses a table in view mode in one line naming the fix', async () => {
    // Prepare
    const viewMappings = await mappingDir({ 'shop.json': shop('view') });

    // Act
    const result = await rebuild(
      '--endpoint',
      fixture.emulator.url,
      '--storage-write-endpoint',
      grpc,
      '--mappings',
      viewMappings.dir,
      '--table',
      'shop_cdc.orders_current',
    );
    await viewMappings.cleanup();

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      '--table shop_cdc.orders_current: shop_cdc.orders_current is a view (bigquery.current "view"), which has nothing to rebuild; set "current": "table" in mappings/shop.json and run dms2bq warehouse apply to make it a CDC table\n',
    );
  });

  it('asks for the Storage Write endpoint of an emulator', async () => {
    // Act
    const result = await rebuild('--endpoint', fixture.emulator.url, '--table', 'shop_cdc.orders');

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "--endpoint needs --storage-write-endpoint <host:port>, the emulator's Storage Write API\n",
    );
  });

  it('refuses two targets at once', async () => {
    // Act
    const result = await rebuild('--local', '--endpoint', fixture.emulator.url, '--table', 'shop_cdc.orders');

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('pass one of --local, --endpoint, not several\n');
  });

  it('refuses --local without a running local environment', async () => {
    // Prepare
    vi.stubEnv('DMS2BQ_LOCAL_STATE', join(fixture.dir, 'none.json'));

    // Act
    const result = await rebuild('--local', '--table', 'shop_cdc.orders');

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^--local needs a running local environment: start dms2bq local up/);
  });
});
