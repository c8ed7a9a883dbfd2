import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { BigQuery } from '@google-cloud/bigquery';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { CurrentViews } from '../../lambdas/loader/current-views.js';
import { KnownTables } from '../../lambdas/loader/known-tables.js';
import { LoaderMetrics } from '../../lambdas/loader/metrics.js';
import type { FileLoaderDeps } from '../../lambdas/loader/process-file.js';
import { DEFAULT_RANGE_LIMITS } from '../../lambdas/loader/row-group-ranges.js';
import { baseJobId, jobIdForGeneration } from '../../lambdas/shared/bigquery/job-id.js';
import type { FileRef } from '../../lambdas/shared/messages.js';
import type { Route } from '../../lambdas/shared/routing.js';
import { type LocalAws, startLocalAws } from '../../local/aws/index.js';
import type { BigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { useEmulatorClient } from './emulator-client.js';
import { betsRoute } from './fixtures.js';

export const DATASET = 'process_file_edges';
const STEM = '20240327-014301000';

/** One Powertools log line as printed (`level`: DEBUG, INFO, WARN, ERROR). */
export type LogLine = { level: string; message?: unknown } & Record<string, unknown>;

/** One EMF document as printed (a single metric with its dimensions). */
export type EmfLine = Record<string, unknown>;

export interface ProcessFileFixture {
  aws: LocalAws;
  emulator: BigQueryEmulator;
  bigquery: BigQuery;
  /** Log lines and EMF documents printed in the current test. */
  logs: LogLine[];
  emf: EmfLine[];
  /** A route of its own per test, so tables, views and job IDs never meet. */
  route(table: string, current?: Route['current']): Route;
  /** Lands a DMS file of `route`'s table and returns its reference (ETag as the notification has it). */
  land(route: Route, body: Uint8Array): Promise<FileRef & { etag: string }>;
  /** The loader's dependencies as create-handler wires them, over the stand-ins. */
  deps(route: Route, overrides?: Partial<FileLoaderDeps>): FileLoaderDeps;
  /** The job ID of the file's generation `generation` under `etag`. */
  jobId(route: Route, file: FileRef, etag: string, generation?: number): string;
}

/**
 * processFile against fauxqs (S3) and the BigQuery emulator through the production clients; log
 * lines and EMF metrics are captured from the global console (Powertools' dev mode prints there).
 */
export function useProcessFileFixture(): ProcessFileFixture {
  const fixture = { logs: [] as LogLine[], emf: [] as EmfLine[] } as ProcessFileFixture;
  let logger: Logger;
  let metrics: Metrics;

  const client = useEmulatorClient(DATASET);
  Object.defineProperties(fixture, {
    emulator: { get: () => client.emulator },
    bigquery: { get: () => client.bigquery },
  });
  beforeAll(async () => {
    fixture.aws = await startLocalAws({ notifier: { testEvent: false } });
  });
  afterAll(async () => {
    await fixture.aws?.stop();
  });

  beforeEach(() => {
    fixture.logs.length = 0;
    fixture.emf.length = 0;
    const keep = (line: unknown) => {
      const parsed = JSON.parse(String(line)) as LogLine;
      if ('_aws' in parsed) fixture.emf.push(parsed);
      else fixture.logs.push(parsed);
    };
    for (const method of ['log', 'debug', 'info', 'warn', 'error'] as const) {
      vi.spyOn(console, method).mockImplementation(keep);
    }
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    logger = new Logger({ serviceName: 'process-file-edges', logLevel: 'DEBUG' });
    metrics = new Metrics({ namespace: 'dms2bq-test' });
  });
  afterEach(() => {
    fixture.emulator?.faults.reset();
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  fixture.route = (table, current = 'view') => ({
    ...betsRoute,
    table,
    targetTable: table,
    dataset: DATASET,
    current,
  });
  fixture.land = async (route, body) => {
    const key = `${route.source}/${route.schema}/${route.table}/2024/03/27/${STEM}.parquet`;
    const { aws } = fixture;
    await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: body }));
    const head = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
    return { bucket: aws.bucket, key, etag: (head.ETag ?? '').replaceAll('"', '') };
  };
  fixture.deps = (route, overrides = {}) => ({
    routing: { [`${route.source}/${route.schema}/${route.table}`]: route },
    s3: fixture.aws.s3,
    bigquery: fixture.bigquery,
    location: fixture.emulator.location,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    logger,
    metrics: new LoaderMetrics(metrics),
    views: new CurrentViews(fixture.bigquery, logger),
    tables: new KnownTables(fixture.bigquery),
    rangeLimits: DEFAULT_RANGE_LIMITS,
    continueBeforeMs: 1_000,
    now: Date.now,
    ...overrides,
  });
  fixture.jobId = (route, file, etag, generation = 0) =>
    jobIdForGeneration(
      baseJobId({
        ...route,
        stem: STEM,
        bucket: file.bucket,
        key: file.key,
        etag,
        ...(file.replayEpoch === undefined ? {} : { replayEpoch: file.replayEpoch }),
      }),
      generation,
    );
  return fixture;
}

/** The value each EMF document published for `name`, in order. */
export const published = (emf: readonly EmfLine[], name: string): unknown[] =>
  emf.filter((line) => name in line).map((line) => line[name]);
