import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfiguration } from '../../lambdas/shared/bigquery/load-config.js';
import type { Route } from '../../lambdas/shared/routing.js';
import {
  type EmulatorFixture,
  freshDataset,
  loaderLoadOptions,
  parquetFile,
  startEmulatorFixture,
  uniqueJobId,
  uploadAndWait,
} from './helpers.js';

const rows = "SELECT range::BIGINT AS id, 'eu' AS region FROM range(0, 3)";

describe('BigQuery emulator: partitioning and clustering of loads into an existing table', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  const load = (datasetId: string, options: Record<string, unknown>) =>
    parquetFile(fixture, rows).then((path) =>
      uploadAndWait(fixture.bigquery.dataset(datasetId).table('t'), path, {
        ...loaderLoadOptions,
        jobId: uniqueJobId('layout'),
        ...options,
      }),
    );
  const createTable = async (datasetId: string, layout: Record<string, unknown>) => {
    const schema = {
      fields: [
        { name: 'id', type: 'INTEGER' },
        { name: 'region', type: 'STRING' },
      ],
    };
    await fixture.bigquery.dataset(datasetId).createTable('t', { schema, ...layout });
  };
  const count = async (datasetId: string) =>
    Number((await fixture.emulator.query(`SELECT count(*) AS n FROM "${datasetId}".t`))[0]?.n);

  describe.each([
    [
      'DAY partitioning and clustering into an unpartitioned table',
      {},
      { timePartitioning: { type: 'DAY' }, clustering: { fields: ['id'] } },
      'Expects partitioning specification none, but input partitioning specification is interval(type:day) clustering(id)',
    ],
    [
      'clustering alone into an unclustered table',
      {},
      { clustering: { fields: ['region'] } },
      'Expects partitioning specification none, but input partitioning specification is none clustering(region)',
    ],
    [
      'other clustering fields',
      { timePartitioning: { type: 'DAY' }, clustering: { fields: ['region'] } },
      { timePartitioning: { type: 'DAY' }, clustering: { fields: ['id'] } },
      'Expects partitioning specification interval(type:day) clustering(region), but input partitioning specification is interval(type:day) clustering(id)',
    ],
    [
      'partitioning without the table’s clustering',
      { timePartitioning: { type: 'DAY' }, clustering: { fields: ['id'] } },
      { timePartitioning: { type: 'DAY' } },
      'Expects partitioning specification interval(type:day) clustering(id), but input partitioning specification is interval(type:day)',
    ],
    [
      'a partitioning field the table does not have',
      { timePartitioning: { type: 'DAY' } },
      { timePartitioning: { type: 'DAY', field: 'ts' } },
      'Expects partitioning specification interval(type:day), but input partitioning specification is interval(type:day,field:ts)',
    ],
  ])('a load stating %s', (_name, tableLayout, loadLayout, expected) => {
    it('fails with BigQuery’s error and appends nothing', async () => {
      // Prepare
      const datasetId = await freshDataset(fixture);
      await createTable(datasetId, tableLayout);

      // Act
      const job = await load(datasetId, loadLayout);

      // Assess
      expect(job.status?.errorResult).toEqual({
        reason: 'invalid',
        message: `Incompatible table partitioning specification. ${expected}`,
      });
      expect(await count(datasetId)).toBe(0);
    });
  });

  it('fails a WRITE_TRUNCATE load that would re-partition the table, keeping its rows', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await load(datasetId, {});

    // Act
    const job = await load(datasetId, {
      writeDisposition: 'WRITE_TRUNCATE',
      timePartitioning: { type: 'DAY' },
    });

    // Assess
    expect(job.status?.errorResult?.message).toMatch(/^Incompatible table partitioning specification/);
    expect(await count(datasetId)).toBe(3);
  });

  it('appends when the load states no layout: the table keeps its own', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await createTable(datasetId, { timePartitioning: { type: 'DAY' }, clustering: { fields: ['id'] } });

    // Act
    const job = await load(datasetId, {});

    // Assess
    expect(job.status?.errorResult).toBeUndefined();
    expect(await count(datasetId)).toBe(3);
  });

  it('appends when the load states the table’s integer-range partitioning', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const rangePartitioning = { field: 'id', range: { start: '0', end: '100', interval: '10' } };
    await createTable(datasetId, { rangePartitioning });

    // Act
    const job = await load(datasetId, { rangePartitioning });

    // Assess
    expect(job.status?.errorResult).toBeUndefined();
  });

  it('keeps loading with the loader’s own configuration into the table its first load created', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const route: Route = {
      source: 's',
      schema: 'db',
      table: 't',
      dataset: datasetId,
      targetTable: 't',
      primaryKey: ['id'],
      current: 'view',
    };
    const config = { ...loadConfiguration(route) };
    await load(datasetId, config);

    // Act
    const job = await load(datasetId, config);

    // Assess
    expect(job.status?.errorResult).toBeUndefined();
    expect(await count(datasetId)).toBe(6);
  });
});
