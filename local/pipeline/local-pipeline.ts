import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { BigQuery } from '@google-cloud/bigquery';
import { createLoaderHandler } from '../../lambdas/loader/create-handler.js';
import { PROPAGATION_RETRY } from '../../lambdas/loader/current-table/propagation.js';
import type { CurrentTableSink } from '../../lambdas/loader/current-table-sink.js';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import type { MappingFile } from '../../lambdas/shared/mappings/model.js';
import { parseLoaderMessage } from '../../lambdas/shared/messages.js';
import { buildRoutingTable, type RoutingTable } from '../../lambdas/shared/routing.js';
import { type ApplyResult, applyWarehouse, viewsInPlace } from '../../lambdas/shared/warehouse/apply.js';
import type { EventSource } from '../aws/event-source/sqs-event-source.js';
import { type LocalAws, type NotifierOptions, startLocalAws, startSqsEventSource } from '../aws/index.js';
import { SCHEMA_PROPAGATION_ENV, schemaPropagationFromEnv } from '../bigquery-emulator/clock.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../bigquery-emulator/index.js';
import { OutcomeCollector, type PipelineSummary } from './outcomes.js';

export const LOCAL_PROJECT_ID = 'local-project';
export const LOCAL_LOCATION = 'US';
/** Locally a failed file comes back within seconds and reaches the DLQ in about ten. */
const LOCAL_MAX_BACKOFF_SECONDS = 4;

export interface LocalPipelineOptions {
  mappings: MappingFile[];
  /** DuckDB file of the local warehouse; in memory when absent. */
  warehousePath?: string;
  notifier?: NotifierOptions;
  /**
   * How long a file being processed stays hidden from other pollers (default 60 s). Streaming a
   * full-load file into a CDC table takes the emulator seconds while other files load beside it;
   * shorter, files still in flight would be handed to another poller and pile up towards the DLQ. A
   * failed file does not wait for it: the loader's backoff (capped at 4 s locally) brings it back.
   */
  visibilityTimeoutSeconds?: number;
  concurrency?: number;
  /** Ports of the BigQuery emulator and of fauxqs; 0 (default) picks free ones. */
  bigqueryPort?: number;
  awsPort?: number;
  /** The emulator's schema propagation delay (ADR 0028); `BIGQUERY_EMULATOR_SCHEMA_PROPAGATION_SECONDS` when absent. */
  schemaPropagationSeconds?: number;
  /**
   * Where the loader spends its waits for a schema change to propagate (ADR 0043): real time, as
   * deployed (default), or the emulator's clock, which a test moves instead of waiting.
   */
  propagationWaits?: 'real' | 'emulator-clock';
}

/**
 * The delay `npm start` and `local up` give the emulator (ADR 0044): Google says only that a schema
 * change reaches the Storage Write API "after some time (in order of minutes)", so the local
 * environment takes the shortest reading of that, one minute, and the loader's waits show.
 */
export const LOCAL_SCHEMA_PROPAGATION_SECONDS = 60;

/** `BIGQUERY_EMULATOR_SCHEMA_PROPAGATION_SECONDS` when set (0 turns the delay off), else the local default. */
export const localSchemaPropagationSeconds = (env: NodeJS.ProcessEnv = process.env): number =>
  env[SCHEMA_PROPAGATION_ENV]?.trim() ? schemaPropagationFromEnv(env) : LOCAL_SCHEMA_PROPAGATION_SECONDS;

/** Every local stand-in wired to the real loader handler, as deployed but on this machine. */
export interface LocalPipeline {
  aws: LocalAws;
  emulator: BigQueryEmulator;
  bigquery: BigQuery;
  routing: RoutingTable;
  outcomes: OutcomeCollector;
  eventSource: EventSource;
  /**
   * The deploy order, locally: datasets first (BigQuery refuses a load into a missing dataset), then
   * `land` puts files in S3 and returns how many `.parquet` files it landed, then everything drains
   * and the `_current` views are applied over the tables the loads created.
   */
  loadAll(
    land: () => Promise<number>,
    timeoutMs?: number,
  ): Promise<{ summary: PipelineSummary; viewsApplied: string[] }>;
  /** `warehouse apply`: datasets, and the `_current` view of every table loaded at least once. */
  applyWarehouse(): Promise<ApplyResult>;
  /** Resolves when every announced file has been loaded, acknowledged or dead-lettered. */
  drain(timeoutMs?: number): Promise<void>;
  /** Keys of the files waiting in the DLQ. */
  deadLetteredKeys(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  // EMF lines on stdout mean something only to CloudWatch; Powertools reads this when Metrics is built.
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const routing = buildRoutingTable(options.mappings.map((file) => file.mapping));
  const emulator = await startBigQueryEmulator({
    port: options.bigqueryPort ?? 0,
    projectId: LOCAL_PROJECT_ID,
    location: LOCAL_LOCATION,
    ...(options.warehousePath ? { dbPath: options.warehousePath } : {}),
    // `table` routes stream to <table>_current CDC tables through the Storage Write API (gRPC).
    storageWrite: true,
    ...(options.schemaPropagationSeconds === undefined
      ? {}
      : { schemaPropagationSeconds: options.schemaPropagationSeconds }),
  });
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 60;
  const aws = await startLocalAws({
    port: options.awsPort ?? 0,
    settings: { loaderQueue: { visibilityTimeoutSeconds } },
    ...(options.notifier ? { notifier: options.notifier } : {}),
  }).catch(async (error: unknown) => {
    // A taken port must not leave the emulator (and its lock on the warehouse file) behind.
    await emulator.stop();
    throw error;
  });
  const bigquery = createBigQueryClient({
    projectId: LOCAL_PROJECT_ID,
    location: LOCAL_LOCATION,
    credentials: { kind: 'none' },
    apiEndpoint: emulator.url,
  });
  const outcomes = new OutcomeCollector();
  const logger = new Logger({
    serviceName: 'dms2bq-loader',
    logLevel: (process.env.DMS2BQ_LOG_LEVEL ?? 'SILENT') as LogLevel,
  });
  let currentTables: CurrentTableSink | undefined;
  const handler = createLoaderHandler({
    routing,
    s3: aws.s3,
    sqs: aws.sqs,
    // As deployed: big files' row-group ranges go back on the loader's own queue (ADR 0045).
    queueUrl: aws.queueUrl,
    // The deployed backoff's shape, scaled to the local visibility timeout.
    redelivery: { baseSeconds: 1, maxSeconds: Math.min(visibilityTimeoutSeconds, LOCAL_MAX_BACKOFF_SECONDS) },
    bigquery,
    location: LOCAL_LOCATION,
    // The real handler's JSON logs and EMF metrics would drown the progress display.
    logger,
    metrics: new Metrics({ namespace: 'dms2bq', serviceName: 'dms2bq-loader' }),
    onFileOutcome: outcomes.record,
    // The loader judges a file's age against BigQuery's time (ADR 0041); here that is the emulator's
    // clock, which `POST /_emulator/clock` and BIGQUERY_EMULATOR_CLOCK_OFFSET move.
    now: () => emulator.clock.now(),
    // As deployed: the streaming code is imported when a `table` route first needs it.
    currentTables: async () => {
      const { createCurrentTableSink } = await import('../../lambdas/loader/current-table/index.js');
      currentTables = createCurrentTableSink({
        bigquery,
        s3: aws.s3,
        streamer: { clientOptions: storageWriteOptions(emulator) },
        logger,
        ...(options.propagationWaits === 'emulator-clock'
          ? {
              propagation: {
                retry: PROPAGATION_RETRY,
                sleep: async (ms: number) => {
                  emulator.clock.advance(ms / 1000);
                },
              },
            }
          : {}),
      });
      return currentTables;
    },
  });
  const eventSource = startSqsEventSource({
    sqs: aws.sqs,
    queueUrl: aws.queueUrl,
    queueArn: aws.queueArn,
    region: aws.region,
    handler,
    concurrency: options.concurrency ?? 4,
    maximumBatchingWindowMs: 200,
  });

  const drain = async (timeoutMs = 300_000) => {
    await aws.notificationsDrained();
    await eventSource.waitUntilIdle({ quietMs: 300, timeoutMs });
  };
  const apply = () =>
    applyWarehouse(
      bigquery,
      options.mappings.map((file) => file.mapping),
      LOCAL_LOCATION,
    );
  const pipeline: LocalPipeline = {
    aws,
    emulator,
    bigquery,
    routing,
    outcomes,
    eventSource,
    applyWarehouse: apply,
    async loadAll(land, timeoutMs) {
      await apply();
      const files = await land();
      await drain(timeoutMs);
      const viewsApplied = viewsInPlace(await apply());
      return { summary: outcomes.summary(files, await pipeline.deadLetteredKeys()), viewsApplied };
    },
    drain,
    async deadLetteredKeys() {
      const keys = new Set<string>();
      for (;;) {
        const { Messages = [] } = await aws.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: aws.dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
        );
        if (Messages.length === 0) return [...keys].sort();
        for (const message of Messages) {
          const parsed = parseLoaderMessage(message.Body ?? '');
          if (parsed.kind === 'files') for (const file of parsed.files) keys.add(file.key);
        }
      }
    },
    async stop() {
      await eventSource.stop();
      await currentTables?.close();
      await aws.stop();
      await emulator.stop();
    },
  };
  return pipeline;
}

function storageWriteOptions(emulator: BigQueryEmulator): Record<string, unknown> {
  if (emulator.storageWrite === undefined)
    throw new Error('the BigQuery emulator runs without the Storage Write API');
  return emulator.storageWrite.clientOptions;
}
