import type { BigQuery } from '@google-cloud/bigquery';
import { beforeEach, describe, expect, it } from 'vitest';
import { registerWarehouseCommand } from '../../cli/commands/operate/warehouse.js';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { runDms2bq } from '../support/cli.js';
import { mappingDir, sourceMappingFactory } from '../support/mappings.js';
import { lines } from './warehouse-current-fixture.js';

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
