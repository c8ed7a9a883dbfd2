import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerLocalCommand } from '../../cli/commands/local/local.js';
import { formatBytes } from '../../cli/commands/local/query-cost.js';
import { startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { LOCAL_PROJECT_ID } from '../../local/pipeline/local-pipeline.js';
import { runDms2bq } from '../support/cli.js';

/** `dms2bq local query` prints the bytes a query processed and would bill under its result. */
describe('dms2bq local query: bytes processed and billed', () => {
  let dir: string;
  let warehouse: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-query-cost-'));
    warehouse = join(dir, 'w.duckdb');
    const emulator = await startBigQueryEmulator({ dbPath: warehouse, projectId: LOCAL_PROJECT_ID });
    try {
      const bigquery = new BigQuery(emulator.clientOptions);
      await bigquery.createDataset('shop');
      await bigquery.dataset('shop').createTable('orders', {
        schema: { fields: [{ name: 'id', type: 'INTEGER' }] },
      });
      await emulator.query('INSERT INTO shop.orders SELECT i FROM range(1000) r(i)');
    } finally {
      await emulator.stop();
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints bytes processed, exact, and the 10 MB minimum billed under the rows', async () => {
    // Act
    const result = await runDms2bq(
      [registerLocalCommand],
      ['local', 'query', 'SELECT COUNT(id) AS n FROM shop.orders', '--warehouse', warehouse],
    );

    // Assess
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('(1 rows)\nBytes processed: 7.81 KB (8,000 B) · billed: 10 MB\n');
  });

  it('keeps stdout JSON with --json, the cost going to stderr', async () => {
    // Act
    const result = await runDms2bq(
      [registerLocalCommand],
      ['local', 'query', 'SELECT id FROM shop.orders WHERE id = 3', '--warehouse', warehouse, '--json'],
    );

    // Assess
    expect(JSON.parse(result.stdout)).toEqual([{ id: 3 }]);
    expect(result.stderr).toBe('Bytes processed: 7.81 KB (8,000 B) · billed: 10 MB\n');
  });

  it('formats bytes in the console’s binary units', () => {
    expect([0, 1023, 1024, 8000, 10 * 1024 * 1024, 3 * 1024 ** 4].map(formatBytes)).toEqual([
      '0 B',
      '1023 B',
      '1 KB',
      '7.81 KB',
      '10 MB',
      '3 TB',
    ]);
  });
});
