import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { BigQuery } from '@google-cloud/bigquery';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentViewQuery } from '../../lambdas/shared/warehouse/views.js';
import { startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { loaderLoadOptions, uploadAndWait } from './helpers.js';

/** Rows of a query run by a plain DuckDB on the file, as the DuckDB CLI would open it. */
async function plainDuckDb(path: string, sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowsJson() as unknown[][];
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

describe('a warehouse file opened by a plain DuckDB, without the emulator', () => {
  let dir: string;
  let dbPath: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bq-warehouse-file-'));
    dbPath = join(dir, 'warehouse.duckdb');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const session = async (
    fn: (bigquery: BigQuery, query: (sql: string) => Promise<void>) => Promise<void>,
  ) => {
    const emulator = await startBigQueryEmulator({ dbPath, jobStateDelayMs: 0 });
    try {
      await fn(new BigQuery(emulator.clientOptions), async (sql) => {
        await emulator.query(sql);
      });
    } finally {
      await emulator.stop();
    }
  };

  it('runs the _current view over a changelog with a BIGNUMERIC column, and views calling GoogleSQL macros', async () => {
    // Prepare
    await session(async (bigquery, raw) => {
      await bigquery.createDataset('casino_a_cdc');
      const parquet = join(dir, 'changes.parquet');
      await raw(
        // Change sequences as DMS writes them (35 digits, the change's time first: ADR 0040's order).
        `COPY (SELECT * FROM (VALUES
           (1, 'alice', '0.000000000000000000000000000001'::DECIMAL(38,30), 'I', '2026-12-01 10:00:00.000000', ''),
           (1, 'alice b', '12.5'::DECIMAL(38,30), 'U', '2026-12-01 11:00:00.000000', '20261201110000000000000000000000002'),
           (2, 'bob', '3'::DECIMAL(38,30), 'I', '2026-12-01 10:00:00.000000', ''),
           (2, 'bob', '3'::DECIMAL(38,30), 'D', '2026-12-01 12:00:00.000000', '20261201120000000000000000000000003'))
           AS t(id, name, balance, Op, _dms_timestamp, _dms_change_seq))
         TO '${parquet}' (FORMAT PARQUET)`,
      );
      await uploadAndWait(bigquery.dataset('casino_a_cdc').table('players'), parquet, loaderLoadOptions);
      const route = {
        source: 'casino_a',
        schema: 'casino',
        table: 'players',
        dataset: 'casino_a_cdc',
        targetTable: 'players',
        primaryKey: ['id'],
        current: 'view' as const,
      };
      await bigquery.dataset('casino_a_cdc').createTable('players_current', {
        view: { query: currentViewQuery('local-project', route), useLegacySql: false },
      });
      await bigquery.query(
        'CREATE VIEW casino_a_cdc.ratios AS SELECT 7 / 2 AS half, SAFE_DIVIDE(1, 0) AS none, CAST(NUMERIC "1.50" AS STRING) AS text, DATE_TRUNC(DATE "2026-12-02", WEEK) AS week',
      );
    });

    // Act
    const current = await plainDuckDb(
      dbPath,
      'SELECT id, name, "bq-fn".string(balance), _source_changed_at::VARCHAR FROM casino_a_cdc.players_current',
    );
    const ratios = await plainDuckDb(
      dbPath,
      'SELECT half, none, text, week::VARCHAR FROM casino_a_cdc.ratios',
    );

    // Assess
    expect(current).toEqual([['1', 'alice b', '12.5', '2026-12-01 11:00:00+00']]);
    expect(ratios).toEqual([[3.5, null, '1.5', '2026-11-29']]);
  });

  it('upgrades a file whose views called macros of the old per-connection catalog', async () => {
    // Prepare: what an older emulator left, a view calling "bq-fn".nan, the macro not stored in the file.
    await session(async (bigquery) => {
      await bigquery.createDataset('old');
    });
    const instance = await DuckDBInstance.create(dbPath);
    const connection = await instance.connect();
    await connection.run('CREATE TABLE old.t AS SELECT 1.0::DOUBLE AS x');
    await connection.run(`CREATE VIEW old.v AS SELECT x FROM old.t WHERE x = 1 AND NOT "bq-fn".nan(x)`);
    await connection.run(`DROP SCHEMA "bq-fn" CASCADE`);
    connection.closeSync();
    instance.closeSync();
    const before = await plainDuckDb(dbPath, 'SELECT * FROM old.v').catch((error: Error) => error.message);

    // Act
    await session(async () => undefined);
    const after = await plainDuckDb(dbPath, 'SELECT * FROM old.v');

    // Assess
    expect(before).toMatch(/nan/);
    expect(after).toEqual([[1]]);
  });

  it('still serves a file of an older DuckDB storage version, keeping the macros per connection', async () => {
    // Prepare: a file DuckDB made with its default storage version, which cannot store typed macros.
    const instance = await DuckDBInstance.create(dbPath);
    instance.closeSync();

    // Act
    const emulator = await startBigQueryEmulator({ dbPath, jobStateDelayMs: 0 });
    const bigquery = new BigQuery(emulator.clientOptions);
    const [rows] = await bigquery
      .createDataset('kept')
      .then(() => bigquery.query('CREATE VIEW kept.v AS SELECT 7 / 2 AS half'))
      .then(() => bigquery.query('SELECT half, CAST(NUMERIC "1.50" AS STRING) AS text FROM kept.v'))
      .finally(() => emulator.stop());

    // Assess
    expect(rows).toEqual([{ half: 3.5, text: '1.5' }]);
  });
});
