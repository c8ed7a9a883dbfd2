import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { baseJobId, jobIdForGeneration } from '../../lambdas/shared/bigquery/job-id.js';
import { getJob } from '../../lambdas/shared/bigquery/jobs.js';
import { stripQuotes } from '../../lambdas/shared/messages.js';
import { betsRoute, dmsParquet, s3Notification } from './fixtures.js';
import {
  cdcKeyAt,
  type HarnessOptions,
  LOCATION,
  type LoaderHarness,
  startLoaderHarness,
} from './harness.js';
import { capturingLogger } from './logs.js';

/**
 * The failure modes of the issue, end to end: files land in S3 (fauxqs), the notifier enqueues S3's
 * notifications, the SQS event source invokes the real handler, and the production BigQuery client
 * talks to the emulator, whose faults stand in for BigQuery's.
 */
describe('loader reliability', { timeout: 180_000 }, () => {
  let harness: LoaderHarness | undefined;
  const start = async (options: HarnessOptions = {}) => {
    harness = await startLoaderHarness(options);
    return harness;
  };

  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  /** Lands files of 3, 4, 5, … rows; returns the total. */
  const landFiles = async (h: LoaderHarness, count: number, first = 1): Promise<number> => {
    let rows = 0;
    for (let i = 0; i < count; i++) {
      await h.put(cdcKeyAt(first + i), dmsParquet({ rows: 3 + i }));
      rows += 3 + i;
    }
    return rows;
  };

  it('loads each file once when S3 delivers every notification three times, shuffled', async () => {
    // Prepare
    const h = await start({ notifier: { deliveries: 3, shuffle: true, seed: 11 } });
    const rows = await landFiles(h, 4);

    // Act
    await h.drain();

    // Assess
    expect(await h.rowCount()).toBe(rows);
    expect(await h.deadLetters()).toEqual([]);
  });

  it('loads a file once when the response to its upload is lost after the job was created', async () => {
    // Prepare
    const h = await start();
    const key = cdcKeyAt(1);
    await h.put(key, dmsParquet({ rows: 7 }));
    h.emulator.faults.dropResponse({ method: 'POST', path: '/upload/', times: 1 });

    // Act
    const response = await h.invoke([s3Notification(h.aws.bucket, key)]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await h.rowCount()).toBe(7);
  });

  it('loads everything once while 20 % of BigQuery requests fail with 5xx or rateLimitExceeded', async () => {
    // Prepare
    const h = await start({ maxReceiveCount: 10 });
    const rows = await landFiles(h, 6);
    h.emulator.faults.randomFailures({ rate: 0.2, seed: 20, statuses: [500, 503, 403] });

    // Act
    await h.drain();

    // Assess
    const injected = h.emulator.faults.injected;
    h.emulator.faults.reset();
    expect(injected).toBeGreaterThan(3);
    expect(await h.rowCount()).toBe(rows);
    expect(await h.deadLetters()).toEqual([]);
  });

  it('loads a file with the next generation when its first job ends in backendError', async () => {
    // Prepare
    const h = await start();
    const key = cdcKeyAt(1);
    await h.put(key, dmsParquet({ rows: 4 }));
    h.emulator.faults.failJob({ times: 1 });

    // Act
    const response = await h.invoke([s3Notification(h.aws.bucket, key)]);

    // Assess
    const head = await h.aws.s3.send(new HeadObjectCommand({ Bucket: h.aws.bucket, Key: key }));
    const base = baseJobId({
      ...betsRoute,
      stem: '20240327-014301000',
      bucket: h.aws.bucket,
      key,
      etag: stripQuotes(head.ETag ?? ''),
    });
    const [first, second] = await Promise.all(
      [0, 1].map((generation) => getJob(h.bigquery, LOCATION, jobIdForGeneration(base, generation))),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(first?.errorResult?.reason).toBe('backendError');
    expect(second).toMatchObject({ state: 'DONE', outputRows: 4 });
    expect(await h.rowCount()).toBe(4);
  });

  /** The job IDs of the file's generations 0 … count-1. */
  const generationIds = async (h: LoaderHarness, key: string, count: number) => {
    const head = await h.aws.s3.send(new HeadObjectCommand({ Bucket: h.aws.bucket, Key: key }));
    const base = baseJobId({
      ...betsRoute,
      stem: key.slice(key.lastIndexOf('/') + 1, -'.parquet'.length),
      bucket: h.aws.bucket,
      key,
      etag: stripQuotes(head.ETag ?? ''),
    });
    return Array.from({ length: count }, (_, generation) => jobIdForGeneration(base, generation));
  };

  /** What BigQuery holds for each of the file's first `count` generations (undefined: never inserted). */
  const generations = async (h: LoaderHarness, key: string, count: number) =>
    Promise.all((await generationIds(h, key, count)).map((id) => getJob(h.bigquery, LOCATION, id)));

  it.each([
    { reason: 'backendError', jobs: 3 },
    { reason: 'internalError', jobs: 3 },
    { reason: 'rateLimitExceeded', jobs: 3 },
    { reason: 'quotaExceeded', jobs: 1 },
  ] as const)(
    'gives up a delivery after $jobs failed job(s) ending in $reason and lets the record come back after a backoff',
    async ({ reason, jobs }) => {
      // Prepare: every job of the file fails, more often than one delivery may try.
      const captured = capturingLogger();
      const h = await start({ loader: { logger: captured.logger } });
      const key = cdcKeyAt(1);
      await h.put(key, dmsParquet({ rows: 4 }));
      h.emulator.faults.failJob({ reason, times: 10 });

      // Act
      const response = await h.invoke([s3Notification(h.aws.bucket, key)]);

      // Assess: ADR 0006's cap (each job counts against the per-table daily quota); a quota error stops at once.
      captured.restore();
      const tried = await generations(h, key, jobs + 1);
      expect(tried.slice(0, jobs).map((job) => job?.errorResult?.reason)).toEqual(Array(jobs).fill(reason));
      expect(tried[jobs]).toBeUndefined();
      expect(response.batchItemFailures).toHaveLength(1);
      expect(captured.errors()).toEqual([expect.objectContaining({ key, reason, permanent: false })]);
    },
  );

  it('waits a backoff between two failed jobs of one delivery', async () => {
    // Prepare: a backoff of at least 1 s (equal jitter: half to all of 2 s), far above a job's own run time.
    const h = await start({ loader: { retry: { baseDelayMs: 2_000, maxDelayMs: 2_000 } } });
    const key = cdcKeyAt(1);
    await h.put(key, dmsParquet({ rows: 4 }));
    h.emulator.faults.failJob({ times: 1 });

    // Act
    const response = await h.invoke([s3Notification(h.aws.bucket, key)]);

    // Assess
    const created = async (id: string | undefined) => {
      const [metadata] = await h.bigquery.job(id ?? '', { location: LOCATION }).getMetadata();
      return Number(metadata.statistics?.creationTime);
    };
    const [failed, loaded] = await generationIds(h, key, 2);
    expect(response.batchItemFailures).toEqual([]);
    expect((await created(loaded)) - (await created(failed))).toBeGreaterThanOrEqual(1_000);
  });

  it('does not retry an upload BigQuery refuses with 400 invalid', async () => {
    // Prepare
    const h = await start();
    const key = cdcKeyAt(1);
    await h.put(key, dmsParquet({ rows: 4 }));
    h.emulator.faults.failNext({
      method: 'POST',
      path: '/upload/',
      status: 400,
      reason: 'invalid',
      times: 10,
    });

    // Act
    const response = await h.invoke([s3Notification(h.aws.bucket, key)]);

    // Assess: one refused upload, no job, the record failed.
    expect(h.emulator.faults.injected).toBe(1);
    expect(await generations(h, key, 1)).toEqual([undefined]);
    expect(response.batchItemFailures).toHaveLength(1);
  });

  it('sends a file whose job ends in invalid to the DLQ path at once, after one job and no retry', async () => {
    // Prepare
    const captured = capturingLogger();
    const h = await start({ loader: { logger: captured.logger } });
    const key = cdcKeyAt(1);
    await h.put(key, dmsParquet({ rows: 4 }));
    h.emulator.faults.failJob({ reason: 'invalid', times: 10 });

    // Act
    const response = await h.invoke([s3Notification(h.aws.bucket, key)]);

    // Assess
    captured.restore();
    const tried = await generations(h, key, 2);
    expect(tried.map((job) => job?.errorResult?.reason)).toEqual(['invalid', undefined]);
    expect(response.batchItemFailures).toHaveLength(1);
    expect(captured.errors()).toEqual([expect.objectContaining({ key, reason: 'invalid', permanent: true })]);
  });

  it('sends corrupt, unmapped and conflicting files to the DLQ with their reasons and loads the rest', async () => {
    // Prepare
    const captured = capturingLogger();
    const h = await start({ maxReceiveCount: 2, loader: { logger: captured.logger } });
    await h.put(cdcKeyAt(1), dmsParquet({ rows: 3 }));
    await h.drain();
    const bad = {
      corrupt: cdcKeyAt(2),
      unmapped: 'casino_a/game/unmapped/2024/03/27/20240327-014302000.parquet',
      conflict: cdcKeyAt(3),
    };
    await h.put(bad.corrupt, new TextEncoder().encode('this is not parquet at all'));
    await h.put(bad.unmapped, dmsParquet({ rows: 3 }));
    await h.put(bad.conflict, dmsParquet({ rows: 3, amountAsString: true }));
    await h.put(cdcKeyAt(4), dmsParquet({ rows: 5 }));

    // Act
    await h.drain();

    // Assess
    captured.restore();
    const deadKeys = (await h.deadLetters()).map((body) => JSON.parse(body).Records[0].s3.object.key);
    const reasons = new Map(captured.errors().map((line) => [line.key, line.reason]));
    expect(deadKeys.sort()).toEqual(Object.values(bad).sort());
    expect(reasons.get(bad.corrupt)).toBe('ParquetFooterError');
    expect(reasons.get(bad.unmapped)).toBe('UnmappedTableError');
    expect(reasons.get(bad.conflict)).toBe('SchemaChangeRejectedError');
    expect(await h.rowCount()).toBe(8);
  });

  it('loads each file once when invocations time out mid-upload and their records come back', async () => {
    // Prepare
    const h = await start({ maxReceiveCount: 10, loader: { reserveMs: 100, minTimeToStartMs: 200 } });
    const rows = await landFiles(h, 3);
    h.emulator.faults.slow({ method: 'POST', path: '/upload/', delayMs: 1_500, times: 3 });

    // Act
    const stats = await h.drain({ functionTimeoutMs: 1_000 });

    // Assess
    expect(stats.timeouts).toBeGreaterThan(0);
    expect(await h.rowCount()).toBe(rows);
  });

  it('adds a column that appears mid-stream and loads both files', async () => {
    // Prepare
    const h = await start();
    await h.put(cdcKeyAt(1), dmsParquet({ rows: 3 }));
    await h.drain();
    await h.put(cdcKeyAt(2), dmsParquet({ rows: 4, extraColumns: ['note'] }));

    // Act
    await h.drain();

    // Assess
    expect(await h.columns()).toContain('note');
    expect(await h.rowCount()).toBe(7);
  });
});
