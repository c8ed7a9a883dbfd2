import { Readable } from 'node:stream';
import type { BigQuery } from '@google-cloud/bigquery';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import { Deadline, type RetryPolicy } from '../../lambdas/shared/bigquery/deadline.js';
import { jobIdForGeneration } from '../../lambdas/shared/bigquery/job-id.js';
import { loadConfiguration } from '../../lambdas/shared/bigquery/load-config.js';
import {
  type LoadEvent,
  type LoadFileRequest,
  LoadJobFailedError,
  loadFileOnce,
} from '../../lambdas/shared/bigquery/load-file.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { betsRoute, dmsParquet } from './fixtures.js';

/**
 * `loadFileOnce` on its own, against the emulator through the production client: the job-namespace
 * protocol's branches (lost responses, races, failed generations, permanent failures) one at a time,
 * with what each delivery reports. The handler-level tests (reliability.test.ts) run the same
 * protocol end to end.
 */

/** A Deadline that remembers what it was asked to sleep for; it still sleeps. */
class RecordingDeadline extends Deadline {
  readonly sleeps: { ms: number; what: string }[] = [];
  /** The sleeps whose purpose starts with `prefix` (polls of a running job are sleeps too). */
  sleepsFor(prefix: string) {
    return this.sleeps.filter((s) => s.what.startsWith(prefix));
  }
  override async sleep(ms: number, what: string): Promise<void> {
    this.sleeps.push({ ms, what });
    await super.sleep(ms, what);
  }
}

const RETRY: RetryPolicy = { baseDelayMs: 40, maxDelayMs: 2_000 };
const DATASET = betsRoute.dataset;

describe('loadFileOnce', { timeout: 60_000 }, () => {
  let emulator: BigQueryEmulator;
  let bigquery: BigQuery;
  let tables = 0;

  beforeAll(async () => {
    emulator = await startBigQueryEmulator({ port: 0, jobStateDelayMs: 0 });
    bigquery = createBigQueryClient({
      projectId: emulator.projectId,
      location: emulator.location,
      credentials: { kind: 'none' },
      apiEndpoint: emulator.url,
      retryOptions: { autoRetry: false },
    });
    await bigquery.createDataset(DATASET, { location: emulator.location });
  });
  afterEach(() => emulator.faults.reset());
  afterAll(async () => emulator?.stop());

  /** A request for a fresh table and job ID, so tests do not see each other's jobs. */
  const request = (overrides: Partial<LoadFileRequest> = {}) => {
    tables += 1;
    const events: LoadEvent[] = [];
    const deadline = new RecordingDeadline(Date.now() + 50_000);
    const table = `bets_${tables}`;
    const file = dmsParquet({ rows: 4 });
    const base: LoadFileRequest = {
      bigquery,
      location: emulator.location,
      dataset: DATASET,
      table,
      baseJobId: `dms2bq_test_${tables}_${Date.now()}`,
      configuration: loadConfiguration({ ...betsRoute, targetTable: table }),
      openBody: async () => Readable.from([Buffer.from(file)]),
      deadline,
      retry: RETRY,
      onEvent: (event) => events.push(event),
      ...overrides,
    };
    return { request: base, events, deadline, table };
  };
  const rows = async (table: string) =>
    Number((await emulator.query(`SELECT count(*) AS n FROM ${DATASET}.${table}`))[0]?.n);
  const failure = async (promise: Promise<unknown>): Promise<LoadJobFailedError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LoadJobFailedError);
    return error as LoadJobFailedError;
  };

  it('names the failed job, its reason and every distinct detail in one message', async () => {
    // Prepare
    const { request: req } = request({ maxFailedJobs: 1 });
    emulator.faults.failJob({
      reason: 'backendError',
      message: 'Backend error. Job aborted.',
      details: ['Backend error. Job aborted.', 'Error while reading data: file 1 of 1'],
    });

    // Act
    const error = await failure(loadFileOnce(req));

    // Assess
    const jobId = jobIdForGeneration(req.baseJobId, 0);
    expect(error).toMatchObject({
      name: 'LoadJobFailedError',
      jobId,
      reason: 'backendError',
      permanent: false,
    });
    expect(error.message).toBe(
      `load job ${jobId} failed: backendError: Backend error. Job aborted.; backendError: Error while reading data: file 1 of 1`,
    );
  });

  it('reports an upload whose response was lost as loaded by this delivery, even when the retry meets 409', async () => {
    // Prepare: the upload creates the job but its response is lost; the next lookup misses the job
    // (as a lookup racing the job's creation can), so the retried upload meets 409 Already Exists.
    const { request: req, events, table } = request();
    emulator.faults.dropResponse({ method: 'POST', path: '/upload/', times: 1 });
    emulator.faults.failNext({ method: 'GET', path: /\/jobs\//, status: 404, reason: 'notFound', times: 2 });

    // Act
    const result = await loadFileOnce(req);

    // Assess
    const jobId = jobIdForGeneration(req.baseJobId, 0);
    expect(result).toMatchObject({ outcome: 'loaded', generation: 0 });
    expect(events.map((e) => e.type)).toEqual(['insert', 'retry', 'insert', 'race']);
    expect(events[1]).toMatchObject({ type: 'retry', what: `upload ${jobId}`, attempt: 0 });
    expect(await rows(table)).toBe(4);
  });

  it('reports a job another delivery inserted first as a duplicate', async () => {
    // Prepare
    const first = request();
    await loadFileOnce(first.request);
    const events: LoadEvent[] = [];

    // Act
    const second = await loadFileOnce({ ...first.request, onEvent: (e) => events.push(e) });

    // Assess
    expect(second).toMatchObject({ outcome: 'duplicate', generation: 0 });
    expect(events).toEqual([]);
    expect(await rows(first.table)).toBe(4);
  });

  it('backs off longer after each failed upload of one delivery', async () => {
    // Prepare
    const { request: req, deadline } = request();
    emulator.faults.failNext({
      method: 'POST',
      path: '/upload/',
      status: 503,
      reason: 'backendError',
      times: 3,
    });

    // Act
    await loadFileOnce(req);

    // Assess: attempt n waits between half and all of base × 2^n (full jitter)
    const jobId = jobIdForGeneration(req.baseJobId, 0);
    const backoffs = deadline.sleepsFor('retry');
    expect(backoffs.map((s) => s.what)).toEqual(Array(3).fill(`retry the upload of ${jobId}`));
    backoffs.forEach(({ ms }, attempt) => {
      const ceiling = RETRY.baseDelayMs * 2 ** attempt;
      expect(ms).toBeGreaterThanOrEqual(ceiling / 2);
      expect(ms).toBeLessThanOrEqual(ceiling);
    });
  });

  it('backs off longer after each failed job of one delivery', async () => {
    // Prepare
    const { request: req, deadline } = request();
    emulator.faults.failJob({ reason: 'backendError', times: 2 });

    // Act
    const result = await loadFileOnce(req);

    // Assess
    expect(result).toMatchObject({ outcome: 'loaded', generation: 2 });
    const backoffs = deadline.sleepsFor('retry');
    expect(backoffs.map((s) => s.what)).toEqual([
      `retry after the failed job ${jobIdForGeneration(req.baseJobId, 0)}`,
      `retry after the failed job ${jobIdForGeneration(req.baseJobId, 1)}`,
    ]);
    const [first, second] = backoffs.map((s) => s.ms) as [number, number];
    expect([first >= 20 && first <= 40, second >= 40 && second <= 80]).toEqual([true, true]);
  });

  it("does not count another delivery's failed jobs against its own cap", async () => {
    // Prepare: two deliveries with a cap of one failed job each leave generations 0 and 1 failed
    const first = request({ maxFailedJobs: 1 });
    emulator.faults.failJob({ times: 2 });
    await failure(loadFileOnce(first.request));
    await failure(loadFileOnce(first.request));
    const events: LoadEvent[] = [];
    const deadline = new RecordingDeadline(Date.now() + 50_000);

    // Act
    const result = await loadFileOnce({ ...first.request, deadline, onEvent: (e) => events.push(e) });

    // Assess: neither failed job was this delivery's, so it loads generation 2 at once
    expect(result).toMatchObject({ outcome: 'loaded', generation: 2 });
    expect(
      events.filter((e) => e.type === 'failed-job').map((e) => e.type === 'failed-job' && e.ours),
    ).toEqual([false, false]);
    expect(deadline.sleepsFor('retry')).toEqual([]);
  });

  it('asks onPermanentFailure once per delivery, and fails for good when the next job fails the same way', async () => {
    // Prepare
    let asked = 0;
    const { request: req, table } = request({
      onPermanentFailure: async () => {
        asked += 1;
        return 'retry';
      },
    });
    emulator.faults.failJob({ reason: 'invalid', times: 2 });

    // Act
    const error = await failure(loadFileOnce(req));

    // Assess
    expect(asked).toBe(1);
    expect(error).toMatchObject({
      jobId: jobIdForGeneration(req.baseJobId, 1),
      reason: 'invalid',
      permanent: true,
    });
    expect(await bigquery.dataset(DATASET).table(table).exists()).toEqual([false]);
  });

  it('retries a lookup that fails with 5xx, saying which job it looked up', async () => {
    // Prepare
    const { request: req, events, deadline } = request();
    emulator.faults.failNext({
      method: 'GET',
      path: /\/jobs\//,
      status: 503,
      reason: 'backendError',
      times: 1,
    });

    // Act
    const result = await loadFileOnce(req);

    // Assess
    const what = `look up ${jobIdForGeneration(req.baseJobId, 0)}`;
    expect(result.outcome).toBe('loaded');
    expect(events[0]).toMatchObject({ type: 'retry', what, attempt: 0 });
    expect(deadline.sleepsFor('look up').map((s) => s.what)).toEqual([what]);
  });

  it("runs the job in the dataset's location and looks it up there, away from the default US", async () => {
    // Prepare: JobReference.location "Optional … The default value is US": a job inserted without it
    // would run elsewhere than the EU lookups look, and every lookup would miss it.
    await bigquery.createDataset('eu_changes', { location: 'EU' });
    const { request: req } = request({
      location: 'EU',
      dataset: 'eu_changes',
      deadline: new RecordingDeadline(Date.now() + 10_000),
    });

    // Act: a second delivery must find the first one's job where it looks
    const first = await loadFileOnce(req);
    const second = await loadFileOnce({ ...req, deadline: new RecordingDeadline(Date.now() + 10_000) });

    // Assess
    expect([first.outcome, second.outcome]).toEqual(['loaded', 'duplicate']);
  });

  it('names the upload it had no time left for', async () => {
    // Prepare
    // The clock jumps past the deadline between the lookup (which still had time) and the upload.
    let reads = 0;
    const { request: req } = request({ deadline: new Deadline(5_000, () => (reads++ === 0 ? 0 : 10_000)) });

    // Act
    const error = await loadFileOnce(req).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(String(error)).toContain(`out of time before uploading ${jobIdForGeneration(req.baseJobId, 0)}`);
  });
});
