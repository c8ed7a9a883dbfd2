import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import { Deadline, type RetryPolicy } from '../../lambdas/shared/bigquery/deadline.js';
import { insertLoadJob, toSnapshot, waitForJob, withRetry } from '../../lambdas/shared/bigquery/jobs.js';
import { loadConfiguration } from '../../lambdas/shared/bigquery/load-config.js';
import { useEmulatorClient } from './emulator-client.js';
import { betsRoute, dmsParquet } from './fixtures.js';

/**
 * The job helpers' edges: what a job snapshot keeps of the resource, the attempt numbers of the
 * retry loop, the poll schedule of a running job (25 ms growing by half), and the answer that ends a
 * wait with an error of its own.
 */

/** Remembers each sleep; `real` decides whether it also sleeps. */
class RecordingDeadline extends Deadline {
  readonly sleeps: { ms: number; what: string }[] = [];
  constructor(private readonly real: boolean) {
    super(Date.now() + 50_000);
  }
  override async sleep(ms: number, what: string): Promise<void> {
    this.sleeps.push({ ms, what });
    if (this.real) await super.sleep(ms, what);
  }
}

const RETRY: RetryPolicy = { baseDelayMs: 100, maxDelayMs: 10_000 };
const DATASET = betsRoute.dataset;

describe('toSnapshot', () => {
  it.each([
    ['PENDING', 'PENDING'],
    ['RUNNING', 'RUNNING'],
    ['DONE', 'DONE'],
    [undefined, 'PENDING'],
  ])('maps state %s to %s', (state, expected) => {
    // Act
    const snapshot = toSnapshot('job_1', state ? { status: { state } } : {});

    // Assess
    expect(snapshot.state).toBe(expected);
  });

  it('reads the int64 statistics BigQuery sends as strings', () => {
    // Prepare
    const metadata = {
      status: { state: 'DONE' },
      statistics: { creationTime: '1765094400123', load: { outputRows: '4', inputFileBytes: '2048' } },
    };

    // Act
    const snapshot = toSnapshot('job_1', metadata);

    // Assess
    expect(snapshot).toEqual({
      id: 'job_1',
      state: 'DONE',
      errors: [],
      outputRows: 4,
      inputFileBytes: 2048,
      creationTime: 1765094400123,
    });
  });
});

describe('withRetry', () => {
  it('numbers the attempts 0, 1, 2 and backs off by them', async () => {
    // Prepare
    const deadline = new RecordingDeadline(false);
    const attempts: number[] = [];
    let calls = 0;
    const operation = async () => {
      calls += 1;
      if (calls <= 3) throw Object.assign(new Error('Service Unavailable'), { code: 503 });
      return 'ok';
    };

    // Act
    const result = await withRetry(operation, 'do it', deadline, RETRY, (_error, attempt) =>
      attempts.push(attempt),
    );

    // Assess
    expect(result).toBe('ok');
    expect(attempts).toEqual([0, 1, 2]);
    const [first, second, third] = deadline.sleeps.map((s) => s.ms);
    expect(deadline.sleeps.map((s) => s.what)).toEqual(['do it', 'do it', 'do it']);
    expect(first).toBeGreaterThanOrEqual(50);
    expect(first).toBeLessThanOrEqual(100);
    expect(second).toBeGreaterThanOrEqual(100);
    expect(second).toBeLessThanOrEqual(200);
    expect(third).toBeGreaterThanOrEqual(200);
    expect(third).toBeLessThanOrEqual(400);
  });
});

describe('jobs against the emulator', { timeout: 30_000 }, () => {
  let tables = 0;

  const fixture = useEmulatorClient(DATASET, { jobStateDelayMs: 150 });

  /** Inserts a load job of a small file into a fresh table; the job is PENDING when this returns. */
  const insert = async () => {
    tables += 1;
    const table = `jobs_edges_${tables}`;
    const id = `dms2bq_jobs_edges_${tables}_${Date.now()}`;
    const configuration = loadConfiguration({ ...betsRoute, targetTable: table });
    const body = Readable.from([Buffer.from(dmsParquet({ rows: 4 }))]);
    const snapshot = await insertLoadJob(
      fixture.bigquery.dataset(DATASET).table(table, { location: fixture.emulator.location }),
      id,
      configuration,
      body,
    );
    return { id, snapshot };
  };

  it('polls a running job 25 ms after the last look, growing by half each time', async () => {
    // Prepare
    const { id, snapshot } = await insert();
    const deadline = new RecordingDeadline(true);

    // Act
    const job = await waitForJob(fixture.bigquery, fixture.emulator.location, id, deadline, RETRY);

    // Assess
    expect(snapshot.state).not.toBe('DONE');
    expect(job.state).toBe('DONE');
    expect(deadline.sleeps.length).toBeGreaterThanOrEqual(3);
    expect(deadline.sleeps).toEqual(
      deadline.sleeps.map((_, poll) => ({
        ms: Math.min(1_000, 25 * 1.5 ** poll),
        what: `wait for job ${id}`,
      })),
    );
  });

  it('retries a failed lookup of the running job under its own name', async () => {
    // Prepare
    const { id } = await insert();
    // The client looks the job up once as it hands it over (see below): let that lookup pass first.
    await new Promise((resolve) => setTimeout(resolve, 100));
    fixture.emulator.faults.failNext({
      method: 'GET',
      path: `/jobs/${id}`,
      status: 503,
      reason: 'backendError',
    });
    const deadline = new RecordingDeadline(true);

    // Act
    const job = await waitForJob(fixture.bigquery, fixture.emulator.location, id, deadline, RETRY);

    // Assess
    expect(job.state).toBe('DONE');
    expect(fixture.emulator.faults.injected).toBe(1);
    expect(deadline.sleeps.filter((s) => !s.what.startsWith('wait for job ')).map((s) => s.what)).toEqual([
      `look up job ${id}`,
    ]);
  });

  it('fails the wait when the running job is no longer found', async () => {
    // Prepare: jobs.get answers 404, as BigQuery does for a job whose metadata was deleted.
    const { id } = await insert();
    fixture.emulator.faults.failNext({
      method: 'GET',
      path: `/jobs/${id}`,
      status: 404,
      reason: 'notFound',
      times: 5,
    });
    const deadline = new RecordingDeadline(true);

    // Act
    const waiting = waitForJob(fixture.bigquery, fixture.emulator.location, id, deadline, RETRY);

    // Assess
    await expect(waiting).rejects.toThrow(new Error(`job ${id} disappeared while it was running`));
  });

  it("stops the client's own poller of the inserted job", async () => {
    // Prepare: a client of its own that counts its jobs.get requests for the job (interceptors see
    // every request the client and the Job objects it makes send).
    tables += 1;
    const id = `dms2bq_jobs_edges_poller_${Date.now()}`;
    const table = `jobs_edges_${tables}`;
    const counting = createBigQueryClient({
      projectId: fixture.emulator.projectId,
      location: fixture.emulator.location,
      credentials: { kind: 'none' },
      apiEndpoint: fixture.emulator.url,
      retryOptions: { autoRetry: false },
    });
    const lookups: string[] = [];
    const count = (options: { uri: string; method?: string }) => {
      if ((options.method ?? 'GET') === 'GET' && options.uri.includes(`/jobs/${id}`))
        lookups.push(options.uri);
      return options;
    };
    counting.interceptors.push({ request: count as never });

    // Act
    await insertLoadJob(
      counting.dataset(DATASET).table(table, { location: fixture.emulator.location }),
      id,
      loadConfiguration({ ...betsRoute, targetTable: table }),
      Readable.from([Buffer.from(dmsParquet({ rows: 4 }))]),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    // Assess: the client starts one lookup as it hands the job over; left running, it would
    // look again every 500 ms until the job is DONE (about 300 ms of PENDING and RUNNING).
    expect(lookups.length).toBeLessThanOrEqual(1);
  });
});
