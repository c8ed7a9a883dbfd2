import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Deadline } from '../../lambdas/shared/bigquery/deadline.js';
import { jobIdForGeneration } from '../../lambdas/shared/bigquery/job-id.js';
import { loadConfiguration } from '../../lambdas/shared/bigquery/load-config.js';
import { loadFileOnce } from '../../lambdas/shared/bigquery/load-file.js';
import { CHANGE_SEQ_COLUMN, OP_COLUMN, TIMESTAMP_COLUMN } from '../../lambdas/shared/columns.js';
import type { Route } from '../../lambdas/shared/routing.js';
import { useEmulatorClient } from './emulator-client.js';
import { betsRoute, dmsParquet } from './fixtures.js';

/**
 * The load configuration of a DMS file: first as the object `loadConfiguration` builds, then as
 * BigQuery (the emulator, through the production client and `loadFileOnce`) records and applies it:
 * the job's configuration, and the labels, partitioning and clustering of the table the load creates.
 */

/** What every DMS file's load states, whatever its table. */
const APPEND_PARQUET = {
  sourceFormat: 'PARQUET',
  writeDisposition: 'WRITE_APPEND',
  createDisposition: 'CREATE_IF_NEEDED',
  schemaUpdateOptions: ['ALLOW_FIELD_ADDITION', 'ALLOW_FIELD_RELAXATION'],
  decimalTargetTypes: ['NUMERIC', 'BIGNUMERIC', 'STRING'],
  parquetOptions: { enumAsString: true, enableListInference: true },
};
const BETS_LABELS = { dms2bq_source: 'casino_a', dms2bq_schema: 'game', dms2bq_table: 'bets' };

const route = (overrides: Partial<Route> = {}): Route => ({ ...betsRoute, ...overrides });

describe('loadConfiguration', () => {
  it('appends a Parquet file, creating a day-partitioned table clustered by the primary key', () => {
    // Act
    const configuration = loadConfiguration(route());

    // Assess
    expect(configuration).toStrictEqual({
      ...APPEND_PARQUET,
      timePartitioning: { type: 'DAY' },
      clustering: { fields: ['id'] },
      destinationTableProperties: { labels: BETS_LABELS },
    });
  });

  it('states no layout for a table that exists', () => {
    // Act
    const configuration = loadConfiguration(route(), { creating: false });

    // Assess
    expect(configuration).toStrictEqual({
      ...APPEND_PARQUET,
      destinationTableProperties: { labels: BETS_LABELS },
    });
  });

  it('does not cluster a table without a primary key', () => {
    // Act
    const configuration = loadConfiguration(route({ primaryKey: [] }));

    // Assess
    expect(configuration).not.toHaveProperty('clustering');
    expect(configuration.timePartitioning).toEqual({ type: 'DAY' });
  });

  it('clusters by the first four columns of a longer primary key', () => {
    // Act
    const configuration = loadConfiguration(route({ primaryKey: ['a', 'b', 'c', 'd', 'e'] }));

    // Assess
    expect(configuration.clustering).toEqual({ fields: ['a', 'b', 'c', 'd'] });
  });

  it('writes label values in lowercase letters, digits, _ and -, at most 63 characters', () => {
    // Prepare
    const longTable = `Bets_${'x'.repeat(70)}`;

    // Act
    const { labels } = loadConfiguration(route({ source: 'Casino.A', schema: 'Game-DB 2', table: longTable }))
      .destinationTableProperties as { labels: Record<string, string> };

    // Assess
    expect(labels).toEqual({
      dms2bq_source: 'casino_a',
      dms2bq_schema: 'game-db_2',
      dms2bq_table: `bets_${'x'.repeat(58)}`,
    });
  });
});

describe('a load with this configuration, in the emulator', { timeout: 60_000 }, () => {
  let loads = 0;
  const DATASET = 'load_config';

  const fixture = useEmulatorClient(DATASET);

  /** Loads a DMS file into `table` with the configuration of `forRoute`; returns the job ID. */
  const load = async (table: string, forRoute: Route, options: { creating?: boolean } = {}) => {
    loads += 1;
    const baseJobId = `load_config_${loads}_${Date.now()}`;
    await loadFileOnce({
      bigquery: fixture.bigquery,
      location: fixture.emulator.location,
      dataset: DATASET,
      table,
      baseJobId,
      configuration: loadConfiguration({ ...forRoute, targetTable: table }, options),
      openBody: async () => Readable.from([Buffer.from(dmsParquet({ rows: 3 }))]),
      deadline: new Deadline(Date.now() + 50_000),
      retry: { baseDelayMs: 40, maxDelayMs: 2_000 },
    });
    return jobIdForGeneration(baseJobId, 0);
  };

  it('records the configuration on the job and the labels and layout on the table it creates', async () => {
    // Prepare
    const primaryKey = ['id', 'amount', OP_COLUMN, TIMESTAMP_COLUMN, CHANGE_SEQ_COLUMN];
    const forRoute = route({ source: 'Casino.A', schema: 'Game', table: 'Bets', primaryKey });

    // Act
    const jobId = await load('created', forRoute);

    // Assess
    const [job] = await fixture.bigquery.job(jobId, { location: fixture.emulator.location }).getMetadata();
    expect(job.configuration.load).toMatchObject({
      ...APPEND_PARQUET,
      destinationTableProperties: { labels: BETS_LABELS },
    });
    const [table] = await fixture.bigquery.dataset(DATASET).table('created').getMetadata();
    expect(table.labels).toEqual(BETS_LABELS);
    expect(table.timePartitioning).toMatchObject({ type: 'DAY' });
    expect(table.clustering).toEqual({ fields: ['id', 'amount', OP_COLUMN, TIMESTAMP_COLUMN] });
  });

  it('creates an unclustered table for a route without a primary key', async () => {
    // Act
    await load('unclustered', route({ primaryKey: [] }));

    // Assess
    const [table] = await fixture.bigquery.dataset(DATASET).table('unclustered').getMetadata();
    expect(table.clustering).toBeUndefined();
    expect(table.timePartitioning).toMatchObject({ type: 'DAY' });
  });

  it('appends to a table whose columns are REQUIRED, relaxing them to NULLABLE as the file has them', async () => {
    // Prepare: a table made elsewhere with NOT NULL columns; DMS files have nullable ones.
    await fixture.bigquery.dataset(DATASET).createTable('required', {
      schema: {
        fields: [
          { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
          { name: 'amount', type: 'FLOAT', mode: 'REQUIRED' },
        ],
      },
      timePartitioning: { type: 'DAY' },
    });

    // Act
    const loading = load('required', route(), { creating: false });

    // Assess
    await expect(loading).resolves.toBeTypeOf('string');
    const [table] = await fixture.bigquery.dataset(DATASET).table('required').getMetadata();
    const modes = Object.fromEntries(
      (table.schema.fields as { name: string; mode?: string }[]).map((field) => [field.name, field.mode]),
    );
    expect(modes).toMatchObject({ id: 'NULLABLE', amount: 'NULLABLE' });
  });
});
