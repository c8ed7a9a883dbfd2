import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiError,
  type EmulatorFixture,
  freshDataset,
  loaderLoadOptions,
  parquetFile,
  startEmulatorFixture,
  uniqueJobId,
  uploadAndWait,
  waitForJob,
} from './helpers.js';

describe('BigQuery emulator jobs (through @google-cloud/bigquery)', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('answers 409 duplicate with BigQuery message when a job ID is inserted twice', async () => {
    // Prepare
    const jobId = uniqueJobId();
    await fixture.bigquery.createQueryJob({ query: 'SELECT 1', jobId });

    // Act
    const error = await fixture.bigquery
      .createQueryJob({ query: 'SELECT 1', jobId })
      .catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 409, reason: 'duplicate' });
    expect((error as Error).message).toBe(`Already Exists: Job local-project:US.${jobId}`);
  });

  it('keeps the ID of a failed job taken', async () => {
    // Prepare
    const jobId = uniqueJobId();
    const [job] = await fixture.bigquery.createQueryJob({
      query: 'SELECT * FROM missing_ds.missing_table',
      jobId,
    });
    const failed = await waitForJob(job);

    // Act
    const error = await fixture.bigquery
      .createQueryJob({ query: 'SELECT 1', jobId })
      .catch((e: unknown) => e);

    // Assess
    expect(failed.status?.errorResult?.reason).toBe('notFound');
    expect(apiError(error)).toEqual({ code: 409, reason: 'duplicate' });
  });

  it('answers 400 invalid for a job ID with forbidden characters', async () => {
    // Act
    const error = await fixture.bigquery
      .createQueryJob({ query: 'SELECT 1', jobId: 'bad id!' })
      .catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 400, reason: 'invalid' });
  });

  it('treats the same job ID in another location as a different job', async () => {
    // Prepare
    const jobId = uniqueJobId();
    await fixture.bigquery.createQueryJob({ query: 'SELECT 1', jobId, location: 'US' });

    // Act
    const [job] = await fixture.bigquery.createQueryJob({ query: 'SELECT 2', jobId, location: 'EU' });

    // Assess
    expect(job.metadata.jobReference).toMatchObject({ jobId, location: 'EU' });
  });

  it('answers 404 notFound for an unknown job', async () => {
    // Act
    const error = await fixture.bigquery
      .job('no_such_job', { location: 'US' })
      .getMetadata()
      .catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 404, reason: 'notFound' });
  });

  it('runs the loader upload (createWriteStream with its options) and reports it through jobs.get', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const path = await parquetFile(fixture, "SELECT range::BIGINT AS id, 'x' AS name FROM range(3)");
    const jobId = uniqueJobId('cdc');
    const metadata = {
      ...loaderLoadOptions,
      parquetOptions: { enumAsString: true, enableListInference: true },
      destinationTableProperties: { labels: { source: 'casino_a' } },
      timePartitioning: { type: 'DAY' },
      clustering: { fields: ['id'] },
      jobId,
      location: 'US',
    };

    // Act
    await uploadAndWait(fixture.bigquery.dataset(datasetId).table('players'), path, metadata);
    const [job] = await fixture.bigquery.job(jobId, { location: 'US' }).getMetadata();

    // Assess
    expect(job).toMatchObject({
      status: { state: 'DONE' },
      configuration: { jobType: 'LOAD', load: { sourceFormat: 'PARQUET', writeDisposition: 'WRITE_APPEND' } },
      statistics: { load: { inputFiles: '1', outputRows: '3', badRecords: '0' } },
    });
    const [table] = await fixture.bigquery.dataset(datasetId).table('players').getMetadata();
    expect(table).toMatchObject({
      numRows: '3',
      timePartitioning: { type: 'DAY' },
      clustering: { fields: ['id'] },
    });
  });

  it('lists jobs newest first with their labels', async () => {
    // Prepare
    const jobId = uniqueJobId('labelled');
    await fixture.bigquery.createQueryJob({ query: 'SELECT 1', jobId, labels: { purpose: 'test' } });

    // Act
    const [jobs] = await fixture.bigquery.getJobs({ allUsers: true });

    // Assess
    expect(jobs[0]?.id).toBe(jobId);
    expect(jobs[0]?.metadata.configuration.labels).toEqual({ purpose: 'test' });
  });

  it('filters jobs.list by state', async () => {
    // Prepare
    const [job] = await fixture.bigquery.createQueryJob({ query: 'SELECT 1', jobId: uniqueJobId() });
    await waitForJob(job);

    // Act
    const [pending] = await fixture.bigquery.getJobs({ stateFilter: ['pending'] });
    const [done] = await fixture.bigquery.getJobs({ stateFilter: ['done'] });

    // Assess
    expect(pending.map((j) => j.id)).not.toContain(job.id);
    expect(done.map((j) => j.id)).toContain(job.id);
  });
});

describe('BigQuery emulator job states', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ jobStateDelayMs: 400 });
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('moves a job through PENDING, RUNNING and DONE so that clients poll', async () => {
    // Prepare
    const seen: string[] = [];
    const [job] = await fixture.bigquery.createQueryJob({ query: 'SELECT 1', jobId: uniqueJobId() });
    seen.push(job.metadata.status.state);

    // Act
    while (seen[seen.length - 1] !== 'DONE') {
      const [metadata] = await job.getMetadata();
      if (metadata.status?.state !== seen[seen.length - 1]) seen.push(String(metadata.status?.state));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    // Assess
    expect(seen).toEqual(['PENDING', 'RUNNING', 'DONE']);
  });
});
