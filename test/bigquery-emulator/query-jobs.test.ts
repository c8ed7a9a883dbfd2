import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiError,
  type EmulatorFixture,
  freshDataset,
  startEmulatorFixture,
  uniqueJobId,
  waitForJob,
} from './helpers.js';

/** Query-job details the wire carries: dry runs, destination tables, not-found wording, TIMESTAMP cells. */
describe('BigQuery emulator query jobs (through @google-cloud/bigquery)', () => {
  let fixture: EmulatorFixture;
  let dataset: string;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ jobStateDelayMs: 0 });
    dataset = await freshDataset(fixture);
  });
  afterAll(async () => {
    await fixture.stop();
  });

  const rows = async (tableId: string) =>
    (await fixture.bigquery.dataset(dataset).table(tableId).getRows())[0].map((row) => row.a);

  it('answers a dry run with the schema and bytes, without running it or taking its job ID', async () => {
    // Prepare
    const jobId = uniqueJobId('dry');

    // Act
    const [job] = await fixture.bigquery.createQueryJob({ query: 'SELECT 1 / 0 AS x', dryRun: true, jobId });

    // Assess
    const statistics = job.metadata.statistics;
    expect(job.metadata.status.state).toBe('DONE');
    expect(statistics.query.schema.fields).toEqual([{ name: 'x', type: 'FLOAT', mode: 'NULLABLE' }]);
    expect(statistics.totalBytesProcessed).toBe('0');
    const lookup = await fixture.bigquery
      .job(jobId)
      .getMetadata()
      .catch((e: unknown) => e);
    expect(apiError(lookup)).toEqual({ code: 404, reason: 'notFound' });
    const [real] = await fixture.bigquery.createQueryJob({ query: 'SELECT 1', jobId });
    expect((await waitForJob(real)).status?.errorResult).toBeUndefined();
  });

  it('fails a dry run of an invalid query at once', async () => {
    // Act
    const error = await fixture.bigquery
      .createQueryJob({ query: `SELECT * FROM \`${dataset}.missing\``, dryRun: true })
      .catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 404, reason: 'notFound' });
  });

  it('creates a query destination table with the result schema and rows', async () => {
    // Act
    const [job] = await fixture.bigquery.createQueryJob({
      query: 'SELECT 1 AS a UNION ALL SELECT 2 ORDER BY a',
      destination: fixture.bigquery.dataset(dataset).table('created'),
    });
    await waitForJob(job);

    // Assess
    const [metadata] = await fixture.bigquery.dataset(dataset).table('created').getMetadata();
    expect(metadata.schema.fields).toEqual([{ name: 'a', type: 'INTEGER', mode: 'NULLABLE' }]);
    expect((await rows('created')).sort()).toEqual([1, 2]);
  });

  it.each([
    ['WRITE_TRUNCATE', [3]],
    ['WRITE_APPEND', [1, 3]],
  ])('writes a query destination table with %s', async (writeDisposition, expected) => {
    // Prepare
    const tableId = `written_${writeDisposition.toLowerCase()}`;
    const destination = fixture.bigquery.dataset(dataset).table(tableId);
    await waitForJob((await fixture.bigquery.createQueryJob({ query: 'SELECT 1 AS a', destination }))[0]);

    // Act
    const [job] = await fixture.bigquery.createQueryJob({
      query: 'SELECT 3 AS a',
      destination,
      writeDisposition,
    });
    await waitForJob(job);

    // Assess
    expect((await rows(tableId)).sort()).toEqual(expected);
  });

  it('fails a query into a non-empty destination under WRITE_EMPTY (the default) with duplicate', async () => {
    // Prepare
    const destination = fixture.bigquery.dataset(dataset).table('kept');
    await waitForJob((await fixture.bigquery.createQueryJob({ query: 'SELECT 1 AS a', destination }))[0]);

    // Act
    const [job] = await fixture.bigquery.createQueryJob({ query: 'SELECT 2 AS a', destination });
    const metadata = await waitForJob(job);

    // Assess
    expect(metadata.status?.errorResult?.reason).toBe('duplicate');
    expect(await rows('kept')).toEqual([1]);
  });

  it('fails a query into a missing destination under CREATE_NEVER with notFound', async () => {
    // Act
    const [job] = await fixture.bigquery.createQueryJob({
      query: 'SELECT 1 AS a',
      destination: fixture.bigquery.dataset(dataset).table('never'),
      createDisposition: 'CREATE_NEVER',
    });
    const metadata = await waitForJob(job);

    // Assess
    expect(metadata.status?.errorResult?.reason).toBe('notFound');
  });

  it.each([
    ['table', (ds: string) => `${ds}.missing`, (ds: string) => `Table local-project:${ds}.missing`],
    ['dataset', () => 'no_such_ds.t', () => 'Dataset local-project:no_such_ds'],
  ])('words a missing %s as BigQuery does', async (_what, name, expected) => {
    // Act
    const error = await fixture.bigquery.query(`SELECT * FROM \`${name(dataset)}\``).catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 404, reason: 'notFound' });
    expect((error as Error).message).toBe(`Not found: ${expected(dataset)} was not found in location US`);
  });
});

describe('jobs.query with dryRun (REST, as clients other than Node send it)', () => {
  it('answers with the schema and runs nothing', async () => {
    // Prepare
    const fixture = await startEmulatorFixture({ jobStateDelayMs: 0 });
    try {
      const url = `${fixture.emulator.clientOptions.apiEndpoint}/bigquery/v2/projects/local-project/queries`;

      // Act
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'SELECT 1 / 0 AS x', useLegacySql: false, dryRun: true }),
      });

      // Assess
      const body = (await response.json()) as { schema?: unknown; jobComplete?: boolean };
      expect(response.status).toBe(200);
      expect(body.jobComplete).toBe(true);
      expect(body.schema).toEqual({ fields: [{ name: 'x', type: 'FLOAT', mode: 'NULLABLE' }] });
      const [jobs] = await fixture.bigquery.getJobs();
      expect(jobs).toHaveLength(0);
    } finally {
      await fixture.stop();
    }
  });
});
