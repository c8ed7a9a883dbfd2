import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjector } from '../../local/bigquery-emulator/index.js';
import {
  apiError,
  type EmulatorFixture,
  freshDataset,
  loaderLoadOptions,
  parquetFile,
  startEmulatorFixture,
  uniqueJobId,
  uploadAndWait,
} from './helpers.js';

describe('FaultInjector', () => {
  it('fails the same requests for the same seed', () => {
    // Prepare
    const runs = [new FaultInjector(), new FaultInjector()];
    for (const faults of runs) faults.randomFailures({ rate: 0.2, seed: 7 });

    // Act
    const outcomes = runs.map((faults) => Array.from({ length: 200 }, () => faults.take('GET', '/x').length));

    // Assess
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(outcomes[0]?.filter((n) => n > 0).length).toBeGreaterThan(0);
  });

  it('fails only the configured number of matching requests', () => {
    // Prepare
    const faults = new FaultInjector();
    faults.failNext({ method: 'POST', path: '/jobs', status: 500, reason: 'backendError', times: 2 });

    // Act
    const actions = ['GET', 'POST', 'POST', 'POST'].map(
      (method) => faults.take(method, '/projects/p/jobs').length,
    );

    // Assess
    expect(actions).toEqual([0, 1, 1, 0]);
  });
});

describe('BigQuery emulator fault injection (through @google-cloud/bigquery)', () => {
  let fixture: EmulatorFixture;
  let noRetry: BigQuery;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
    noRetry = new BigQuery({ ...fixture.emulator.clientOptions, autoRetry: false });
  });
  afterEach(() => {
    fixture.emulator.faults.reset();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  describe.each([
    [500, 'backendError'],
    [503, 'backendError'],
    [403, 'rateLimitExceeded'],
    [400, 'invalid'],
  ])('an injected %i %s', (status, reason) => {
    it('reaches the client as BigQuery error body', async () => {
      // Prepare
      fixture.emulator.faults.failNext({ method: 'GET', path: '/datasets', status, reason });

      // Act
      const error = await noRetry.getDatasets().catch((e: unknown) => e);

      // Assess
      expect(apiError(error)).toEqual({ code: status, reason });
    });
  });

  it('lets the client retry through transient failures', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    fixture.emulator.faults.failNext({
      method: 'GET',
      path: `/datasets/${datasetId}`,
      status: 503,
      reason: 'backendError',
      times: 2,
    });

    // Act
    const [metadata] = await fixture.bigquery.dataset(datasetId).getMetadata();

    // Assess
    expect(metadata.id).toBe(`local-project:${datasetId}`);
    expect(fixture.emulator.faults.injected).toBe(2);
  });

  it('fails an upload before creating its job', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const jobId = uniqueJobId();
    fixture.emulator.faults.failNext({
      method: 'POST',
      path: '/upload/',
      status: 500,
      reason: 'backendError',
    });
    const path = await parquetFile(fixture, 'SELECT 1 AS a');

    // Act
    const error = await uploadAndWait(fixture.bigquery.dataset(datasetId).table('t'), path, {
      ...loaderLoadOptions,
      jobId,
    }).catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 500, reason: 'backendError' });
    const [exists] = await fixture.bigquery.job(jobId, { location: 'US' }).exists();
    expect(exists).toBe(false);
  });

  it('creates the job but resets the connection when the response is lost', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const jobId = uniqueJobId();
    fixture.emulator.faults.dropResponse({ method: 'POST', path: '/upload/' });
    const path = await parquetFile(fixture, 'SELECT 1 AS a');

    // Act
    const error = await uploadAndWait(fixture.bigquery.dataset(datasetId).table('t'), path, {
      ...loaderLoadOptions,
      jobId,
    }).catch((e: unknown) => e);

    // Assess
    expect((error as { code?: string }).code).toBe('ECONNRESET');
    const [job] = await fixture.bigquery.job(jobId, { location: 'US' }).getMetadata();
    expect(job.jobReference.jobId).toBe(jobId);
  });

  it('finishes a job DONE with errorResult backendError, writing nothing and keeping its ID', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const jobId = uniqueJobId();
    fixture.emulator.faults.failJob();
    const path = await parquetFile(fixture, 'SELECT 1 AS a');
    const table = fixture.bigquery.dataset(datasetId).table('t');

    // Act
    const job = await uploadAndWait(table, path, { ...loaderLoadOptions, jobId });

    // Assess
    expect(job.status?.errorResult?.reason).toBe('backendError');
    expect(await table.exists()).toEqual([false]);
    const retry = await uploadAndWait(table, path, { ...loaderLoadOptions, jobId }).catch((e: unknown) => e);
    expect(apiError(retry)).toEqual({ code: 409, reason: 'duplicate' });
  });

  it.each(['invalid', 'quotaExceeded', 'internalError', 'rateLimitExceeded'] as const)(
    'finishes a job DONE with errorResult %s when failJob names that reason',
    async (reason) => {
      // Prepare
      const datasetId = await freshDataset(fixture);
      fixture.emulator.faults.failJob({ reason });
      const path = await parquetFile(fixture, 'SELECT 1 AS a');
      const table = fixture.bigquery.dataset(datasetId).table('t');

      // Act
      const job = await uploadAndWait(table, path, { ...loaderLoadOptions, jobId: uniqueJobId() });

      // Assess
      expect(job.status?.errorResult?.reason).toBe(reason);
      expect(job.status?.errorResult?.message).toMatch(reason === 'quotaExceeded' ? /^Quota exceeded/ : /./);
      expect(await table.exists()).toEqual([false]);
    },
  );

  it('arms a failJob with its reason over the admin endpoint and refuses an unknown reason', async () => {
    // Prepare
    const arm = (reason: string) =>
      fetch(`${fixture.emulator.url}/_emulator/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'failJob', reason }),
      });
    const datasetId = await freshDataset(fixture);
    const path = await parquetFile(fixture, 'SELECT 1 AS a');
    const table = fixture.bigquery.dataset(datasetId).table('t');

    // Act
    const unknown = await arm('flaky');
    const armed = await arm('quotaExceeded');
    const job = await uploadAndWait(table, path, { ...loaderLoadOptions, jobId: uniqueJobId() });

    // Assess
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('Unknown failJob reason flaky');
    expect(armed.status).toBe(204);
    expect(job.status?.errorResult?.reason).toBe('quotaExceeded');
  });

  it('answers a slowed request after the requests that were not slowed', async () => {
    // Prepare
    const slowId = await freshDataset(fixture);
    const fastId = await freshDataset(fixture);
    fixture.emulator.faults.slow({ method: 'GET', path: `/datasets/${slowId}`, delayMs: 1500 });
    const finished: string[] = [];

    // Act
    await Promise.all([
      fixture.bigquery
        .dataset(slowId)
        .getMetadata()
        .then(() => finished.push('slow')),
      new Promise((resolve) => setTimeout(resolve, 50))
        .then(() => fixture.bigquery.dataset(fastId).getMetadata())
        .then(() => finished.push('fast')),
    ]);

    // Assess
    expect(finished).toEqual(['fast', 'slow']);
  });

  it('fails a seeded fraction of requests with 500, 503 and 403 until reset', async () => {
    // Prepare
    fixture.emulator.faults.randomFailures({ rate: 0.3, seed: 42 });
    const attempts = Array.from({ length: 40 }, () =>
      noRetry.getDatasets().then(
        () => 'ok',
        (e: unknown) => apiError(e),
      ),
    );

    // Act
    const outcomes = await Promise.all(attempts);
    fixture.emulator.faults.reset();
    const afterReset = await noRetry.getDatasets();

    // Assess
    const failures = outcomes.filter((outcome) => outcome !== 'ok');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.length).toBeLessThan(40);
    for (const failure of failures) {
      expect([
        { code: 500, reason: 'backendError' },
        { code: 503, reason: 'backendError' },
        { code: 403, reason: 'rateLimitExceeded' },
      ]).toContainEqual(failure);
    }
    expect(afterReset[0]).toBeInstanceOf(Array);
  });

  it('arms faults over the /_emulator/faults admin endpoint', async () => {
    // Prepare
    const response = await fetch(`${fixture.emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: 'fail',
        method: 'GET',
        path: '/datasets',
        status: 403,
        reason: 'rateLimitExceeded',
      }),
    });

    // Act
    const error = await noRetry.getDatasets().catch((e: unknown) => e);

    // Assess
    expect(response.status).toBe(204);
    expect(apiError(error)).toEqual({ code: 403, reason: 'rateLimitExceeded' });
  });

  it('resets faults over the admin endpoint', async () => {
    // Prepare
    fixture.emulator.faults.failNext({
      method: 'GET',
      path: '/datasets',
      status: 500,
      reason: 'backendError',
    });

    // Act
    await fetch(`${fixture.emulator.url}/_emulator/faults`, { method: 'DELETE' });

    // Assess
    const [datasets] = await noRetry.getDatasets();
    expect(datasets).toBeInstanceOf(Array);
  });
});
