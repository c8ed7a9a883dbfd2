import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTablePermissions } from '../../cli/doctor/google-checks.js';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';

const mapping = {
  source: 'casino_a',
  engine: 'aurora-mysql',
  bigquery: { dataset: 'casino_a_cdc', current: 'table' },
  tables: [
    { schema: 'game', table: 'bets', primaryKey: ['id'] },
    { schema: 'game', table: 'users', primaryKey: ['id'] },
  ],
} as SourceMapping;

describe('doctor: the loader identity on CDC current tables', () => {
  let emulator: BigQueryEmulator;
  let bigquery: BigQuery;
  beforeAll(async () => {
    emulator = await startBigQueryEmulator();
    bigquery = new BigQuery(emulator.clientOptions);
    const [dataset] = await bigquery.createDataset('casino_a_cdc');
    await dataset.createTable('bets', { schema: { fields: [{ name: 'id', type: 'INTEGER' }] } });
    await dataset.createTable('bets_current', {
      schema: { fields: [{ name: 'id', type: 'INTEGER' }] },
      tableConstraints: { primaryKey: { columns: ['id'] } },
    });
  });
  afterAll(() => emulator.stop());

  it('asks for bigquery.tables.updateData on the CDC table the loader streams to', async () => {
    // Prepare
    await fetch(`${emulator.url}/_emulator/iam`, {
      method: 'POST',
      body: JSON.stringify({ denied: ['bigquery.tables.updateData'] }),
    });

    // Act
    const results = await checkTablePermissions(bigquery, 'loader', [mapping], 'changelog');

    // Assess
    const current = results.find((result) => result.check === 'loader on casino_a_cdc.bets_current');
    expect(current).toEqual({
      check: 'loader on casino_a_cdc.bets_current',
      status: 'fail',
      detail: 'lacks bigquery.tables.updateData',
      fix: 'grant roles/bigquery.dataEditor on dataset casino_a_cdc to loader',
    });
  });

  it('skips a CDC table that does not exist yet, saying what creates it', async () => {
    // Act
    const results = await checkTablePermissions(bigquery, 'loader', [mapping], 'changelog');

    // Assess
    const users = results.find((result) => result.check === 'loader on casino_a_cdc.users_current');
    expect(users).toEqual({
      check: 'loader on casino_a_cdc.users_current',
      status: 'skip',
      detail: 'no CDC table yet (warehouse apply or the first streamed file creates it)',
    });
  });
});
