import type { BigQuery } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWarehouseCommand } from '../../cli/commands/operate/warehouse.js';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { runDms2bq } from '../support/cli.js';

const apply = (...argv: string[]) => runDms2bq([registerWarehouseCommand], ['warehouse', 'apply', ...argv]);

describe('dms2bq warehouse apply', () => {
  let emulator: BigQueryEmulator;
  let bigquery: BigQuery;

  beforeAll(async () => {
    emulator = await startBigQueryEmulator({ port: 0, jobStateDelayMs: 0 });
    bigquery = createBigQueryClient({
      projectId: emulator.projectId,
      location: 'US',
      credentials: { kind: 'none' },
      apiEndpoint: emulator.url,
    });
  });

  afterAll(async () => {
    await emulator.stop();
  });

  it('creates the dataset and waits for each table’s first load before its view', async () => {
    // Act
    const result = await apply('--endpoint', emulator.url);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      'created dataset casino_a_cdc',
      ...['bets', 'players', 'user_sessions', 'transactions', 'heartbeat'].map(
        (table) =>
          `waiting for casino_a_cdc.${table}: its view is created by the first apply after the table's first load`,
      ),
    ]);
  });

  it('creates the view of a loaded table, and is idempotent', async () => {
    // Prepare
    await apply('--endpoint', emulator.url);
    await bigquery.dataset('casino_a_cdc').createTable('bets', {
      schema: {
        fields: [
          { name: 'Op', type: 'STRING' },
          { name: '_dms_timestamp', type: 'STRING' },
          { name: '_dms_change_seq', type: 'STRING' },
          { name: 'id', type: 'INT64' },
        ],
      },
    });

    // Act
    const first = await apply('--endpoint', emulator.url);
    const second = await apply('--endpoint', emulator.url);

    // Assess
    expect(first.stdout).toContain('applied view casino_a_cdc.bets_current\n');
    expect(first.stdout).not.toContain('created dataset');
    expect(second.stdout).toBe(first.stdout);
    const [tables] = await bigquery.dataset('casino_a_cdc').getTables();
    expect(tables.map((t) => [t.id, t.metadata.type])).toContainEqual(['bets_current', 'VIEW']);
  });

  it('names a missing stage config', async () => {
    // Act
    const result = await apply('--stage', 'qa');

    // Assess
    expect(result).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('config/qa.json: no such stage config'),
    });
  });
});
