import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { BigQuery } from '@google-cloud/bigquery';
import type { SQSBatchResponse } from 'aws-lambda';
import {
  createLoaderHandler,
  type LoaderDeps,
  type LoaderHandler,
} from '../../lambdas/loader/create-handler.js';
import type { PropagationWaits } from '../../lambdas/loader/current-table/propagation.js';
import type { CurrentTableSink } from '../../lambdas/loader/current-table-sink.js';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import type { NotifierOptions } from '../../local/aws/index.js';
import {
  type EventSource,
  type LocalAws,
  startLocalAws,
  startSqsEventSource,
} from '../../local/aws/index.js';
import { EmulatorClock, schemaPropagationFromEnv } from '../../local/bigquery-emulator/clock.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { emulatorClockWaits } from '../support/propagation-waits.js';
import { lambdaContext } from './context.js';
import { betsRoute, routing, sqsRecord } from './fixtures.js';

export const PROJECT = 'local-project';
export const LOCATION = 'US';

export interface HarnessOptions {
  notifier?: NotifierOptions;
  maxReceiveCount?: number;
  /** Short, so failed records come back quickly, yet long enough for a busy machine (default 6 s). */
  visibilityTimeoutSeconds?: number;
  jobStateDelayMs?: number;
  /** Starts the emulator's Storage Write API and gives the loader the CDC streaming (as deployed: on first use). */
  currentTables?: boolean;
  /** The emulator's schema propagation delay (ADR 0028); `BIGQUERY_EMULATOR_SCHEMA_PROPAGATION_SECONDS`, else 0. */
  schemaPropagationSeconds?: number;
  /** Whether the loader's propagation waits move the emulator's clock (default) or take real time. */
  realPropagationWaits?: boolean;
  /** Replaces the loader's propagation waits altogether. */
  propagationWaits?: PropagationWaits;
  loader?: Partial<LoaderDeps>;
}

/**
 * The loader wired to the local stand-ins: fauxqs (S3, SQS, notifications), the BigQuery emulator,
 * the production BigQuery and AWS clients, and the real handler from `createLoaderHandler`.
 */
export interface LoaderHarness {
  aws: LocalAws;
  emulator: BigQueryEmulator;
  bigquery: BigQuery;
  handler: LoaderHandler;
  /** Lands a file in the bucket; the notifier enqueues its notification. */
  put(key: string, body: Uint8Array): Promise<void>;
  /** Invokes the handler directly with these message bodies. */
  invoke(bodies: string[], remainingMs?: number): Promise<SQSBatchResponse>;
  /** Runs the SQS event source until the queue is drained, then stops it. */
  drain(options?: { functionTimeoutMs?: number; concurrency?: number }): Promise<EventSource['stats']>;
  rowCount(table?: string): Promise<number>;
  columns(table?: string): Promise<string[]>;
  deadLetters(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startLoaderHarness(options: HarnessOptions = {}): Promise<LoaderHarness> {
  // EMF lines would flood the test output; a test that inspects metrics passes its own Metrics.
  if (!options.loader?.metrics) process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 6;
  const aws = await startLocalAws({
    settings: { loaderQueue: { visibilityTimeoutSeconds, maxReceiveCount: options.maxReceiveCount ?? 5 } },
    notifier: { testEvent: false, ...options.notifier },
  });
  const emulator = await startBigQueryEmulator({
    port: 0,
    jobStateDelayMs: options.jobStateDelayMs ?? 0,
    storageWrite: options.currentTables === true,
    clock: new EmulatorClock(),
    // The loader waits for a change to propagate (ADR 0043) on the emulator's clock, so any delay runs fast.
    schemaPropagationSeconds: options.schemaPropagationSeconds ?? schemaPropagationFromEnv(),
  });
  const bigquery = createBigQueryClient({
    projectId: PROJECT,
    location: LOCATION,
    credentials: { kind: 'none' },
    apiEndpoint: emulator.url,
    retryOptions: { autoRetry: false },
  });
  await bigquery.createDataset(betsRoute.dataset, { location: LOCATION });
  const logger = new Logger({ logLevel: 'SILENT' });
  let sink: CurrentTableSink | undefined;
  const currentTables = async (): Promise<CurrentTableSink> => {
    const { createCurrentTableSink } = await import('../../lambdas/loader/current-table/index.js');
    const clientOptions = emulator.storageWrite?.clientOptions ?? {};
    sink = createCurrentTableSink({
      bigquery,
      s3: aws.s3,
      logger: options.loader?.logger ?? logger,
      streamer: { clientOptions },
      ...(options.realPropagationWaits
        ? {}
        : { propagation: options.propagationWaits ?? emulatorClockWaits(() => emulator.clock) }),
    });
    return sink;
  };
  const handler = createLoaderHandler({
    routing,
    s3: aws.s3,
    sqs: aws.sqs,
    queueUrl: aws.queueUrl,
    // Streams stop for a continuation only this close to a test's short deadlines.
    continueBeforeMs: 1_000,
    // The deployed backoff's shape in seconds that a test can wait for.
    redelivery: { baseSeconds: 1, maxSeconds: 2 },
    bigquery,
    location: LOCATION,
    logger,
    metrics: new Metrics({ namespace: 'dms2bq-test' }),
    ...(options.currentTables ? { currentTables } : {}),
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    reserveMs: 200,
    minTimeToStartMs: 500,
    ...options.loader,
  });
  const table = (name = betsRoute.targetTable) => bigquery.dataset(betsRoute.dataset).table(name);

  return {
    aws,
    emulator,
    bigquery,
    handler,
    put: async (key, body) => {
      await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: body }));
    },
    invoke: (bodies, remainingMs = 30_000) =>
      handler({ Records: bodies.map((body) => sqsRecord(body)) }, lambdaContext(remainingMs)),
    // Lambda's rule: the function times out before its records become visible again.
    drain: async ({ functionTimeoutMs = visibilityTimeoutSeconds * 1000 - 500, concurrency = 2 } = {}) => {
      await aws.notificationsDrained();
      const source = startSqsEventSource({
        sqs: aws.sqs,
        queueUrl: aws.queueUrl,
        queueArn: aws.queueArn,
        region: aws.region,
        handler,
        batchSize: 10,
        concurrency,
        functionTimeoutMs,
        // A batching window longer than the visibility timeout would redeliver records while they wait.
        maximumBatchingWindowMs: 50,
      });
      try {
        await source.waitUntilIdle({ quietMs: 1_500, timeoutMs: 120_000 });
      } finally {
        await source.stop();
      }
      return source.stats;
    },
    rowCount: async (name) => {
      const [metadata] = await table(name).getMetadata();
      return Number(metadata.numRows ?? 0);
    },
    columns: async (name) => {
      const [metadata] = await table(name).getMetadata();
      return (metadata.schema?.fields ?? []).map((field: { name?: string }) => field.name ?? '');
    },
    deadLetters: async () => {
      const bodies: string[] = [];
      for (;;) {
        const { Messages = [] } = await aws.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: aws.dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
        );
        if (Messages.length === 0) return bodies;
        bodies.push(...Messages.map((message) => message.Body ?? ''));
      }
    },
    stop: async () => {
      await sink?.close();
      await emulator.stop();
      await aws.stop();
    },
  };
}

export const cdcKeyAt = (n: number, table = 'bets'): string =>
  `casino_a/game/${table}/2024/03/27/20240327-0143${String(n).padStart(2, '0')}000.parquet`;
