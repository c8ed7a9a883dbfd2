import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';

describe('BigQuery emulator on a DuckDB file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bq-emulator-file-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const session = async <T>(dbPath: string, fn: (bigquery: BigQuery) => Promise<T>): Promise<T> => {
    const emulator = await startBigQueryEmulator({ dbPath, jobStateDelayMs: 0 });
    try {
      return await fn(new BigQuery(emulator.clientOptions));
    } finally {
      await emulator.stop();
    }
  };

  it('keeps datasets, tables, rows and job IDs across a restart', async () => {
    // Prepare
    const dbPath = join(dir, 'warehouse.duckdb');
    await session(dbPath, async (bigquery) => {
      await bigquery.createDataset('kept');
      await bigquery.query('CREATE VIEW `kept.v` AS SELECT 7 AS a');
      const [job] = await bigquery.createQueryJob({ query: 'SELECT 1', jobId: 'kept_job' });
      await job.getQueryResults();
    });

    // Act
    const outcome = await session(dbPath, async (bigquery) => {
      const [rows] = await bigquery.query('SELECT a FROM `kept.v`');
      const duplicate = await bigquery
        .createQueryJob({ query: 'SELECT 1', jobId: 'kept_job' })
        .catch((e: unknown) => e);
      return { rows, code: (duplicate as { code?: number }).code };
    });

    // Assess
    expect(outcome).toEqual({ rows: [{ a: 7 }], code: 409 });
  });

  it('gives an ingestion-time table of an older warehouse file its pseudo-columns, at its creation day', async () => {
    // Prepare: a table created before the emulator kept _PARTITIONTIME
    const dbPath = join(dir, 'older.duckdb');
    const emulator = await startBigQueryEmulator({ dbPath, jobStateDelayMs: 0 });
    const created = await (async () => {
      try {
        const bigquery = new BigQuery(emulator.clientOptions);
        await bigquery.createDataset('old');
        const [table] = await bigquery.dataset('old').createTable('changelog', {
          schema: { fields: [{ name: 'id', type: 'INTEGER' }] },
          timePartitioning: { type: 'DAY' },
        });
        await emulator.query('ALTER TABLE old.changelog DROP COLUMN _PARTITIONTIME');
        await emulator.query('ALTER TABLE old.changelog DROP COLUMN _PARTITIONDATE');
        await emulator.query('INSERT INTO old.changelog VALUES (1)');
        return Number(table.metadata.creationTime);
      } finally {
        await emulator.stop();
      }
    })();

    // Act
    const rows = await session(dbPath, async (bigquery) => {
      const [found] = await bigquery.query('SELECT _PARTITIONDATE AS pd, * FROM `old.changelog`');
      return found;
    });

    // Assess
    expect(rows).toEqual([
      { pd: expect.objectContaining({ value: new Date(created).toISOString().slice(0, 10) }), id: 1 },
    ]);
  });

  it('redefines an older file’s views over such a table, so their * still leaves the pseudo-columns out', async () => {
    // Prepare: a view saved before its table was partitioned by ingestion time, as an older file has it
    const dbPath = join(dir, 'older-view.duckdb');
    const emulator = await startBigQueryEmulator({ dbPath, jobStateDelayMs: 0 });
    try {
      const bigquery = new BigQuery(emulator.clientOptions);
      await bigquery.createDataset('old');
      await bigquery.dataset('old').createTable('changelog', {
        schema: { fields: [{ name: 'id', type: 'INTEGER' }] },
      });
      await bigquery.query('CREATE VIEW `old.everything` AS SELECT * FROM `old.changelog`');
      await bigquery
        .dataset('old')
        .table('changelog')
        .setMetadata({ timePartitioning: { type: 'DAY' } });
      await emulator.query('ALTER TABLE old.changelog DROP COLUMN _PARTITIONTIME');
      await emulator.query('ALTER TABLE old.changelog DROP COLUMN _PARTITIONDATE');
    } finally {
      await emulator.stop();
    }

    // Act
    const rows = await session(dbPath, async (bigquery) => {
      await bigquery.query('SELECT 1 FROM `old.changelog`');
      const [viewed] = await bigquery.query('SELECT * FROM `old.everything`');
      const [view] = await bigquery.dataset('old').table('everything').getMetadata();
      return { viewed, fields: view.schema.fields.map((field: { name: string }) => field.name) };
    });

    // Assess
    expect(rows).toEqual({ viewed: [], fields: ['id'] });
  });
});
