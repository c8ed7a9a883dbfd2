/**
 * Loader Lambda: SQS (S3 notifications and replay messages) → BigQuery load jobs.
 *
 * Environment:
 *   GCP_PROJECT_ID          BigQuery project of the datasets and jobs (required)
 *   BIGQUERY_LOCATION       location of datasets and jobs, e.g. EU (required)
 *   GCP_CREDENTIALS_MODE    workload-identity (default) | service-account-key | none (emulator only)
 *   GCP_WIF_CONFIG          external_account JSON (workload-identity; holds no secret)
 *   GCP_SA_KEY_SECRET_ARN   Secrets Manager secret with a service-account JSON key (service-account-key)
 *   BIGQUERY_API_ENDPOINT   optional endpoint override, e.g. a BigQuery emulator
 *   BIGQUERY_STORAGE_WRITE_ENDPOINT  host:port of a plaintext Storage Write API (emulator; mode none)
 *   FILE_CONCURRENCY        files of one batch loading at once (default 4)
 *   LOADER_QUEUE_URL        the loader's own queue: big files' row-group ranges go on there (ADR 0045)
 *   POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL
 * The routing table is bundled at build time: esbuild `define: { __DMS2BQ_ROUTING__: JSON.stringify(
 * buildRoutingTable(mappings)) }`, so a mapping change and the code ship in one deploy.
 * `__DMS2BQ_CURRENT_TABLES__` (boolean) says whether a route streams to a `<table>_current` CDC
 * table; when false esbuild drops the `import()` below, and with it @google-cloud/bigquery-storage.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createBigQueryClient } from '../shared/bigquery/client.js';
import { resolveGcpCredentials } from '../shared/bigquery/credentials.js';
import type { RoutingTable } from '../shared/routing.js';
import { createLoaderHandler } from './create-handler.js';

declare const __DMS2BQ_ROUTING__: RoutingTable | undefined;
declare const __DMS2BQ_CURRENT_TABLES__: boolean | undefined;

const requireEnv = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required by the loader`);
  return value;
};

if (typeof __DMS2BQ_ROUTING__ === 'undefined') {
  throw new Error(
    'the loader was bundled without __DMS2BQ_ROUTING__ (esbuild define of buildRoutingTable(mappings))',
  );
}

if (typeof __DMS2BQ_CURRENT_TABLES__ === 'undefined') {
  throw new Error('the loader was bundled without __DMS2BQ_CURRENT_TABLES__ (esbuild define, true or false)');
}

const projectId = requireEnv('GCP_PROJECT_ID');
const location = requireEnv('BIGQUERY_LOCATION');
const credentials = await resolveGcpCredentials(process.env, () => new SecretsManagerClient({}));
const apiEndpoint = process.env.BIGQUERY_API_ENDPOINT;
const fileConcurrency = Number(process.env.FILE_CONCURRENCY ?? 4);
// Checked here too so that the error names the setting an operator changes, not the option.
if (!Number.isInteger(fileConcurrency) || fileConcurrency < 1) {
  throw new Error(
    `environment variable FILE_CONCURRENCY must be a positive integer, got "${process.env.FILE_CONCURRENCY}"`,
  );
}

const s3 = new S3Client({});
const logger = new Logger();
const bigquery = createBigQueryClient({
  projectId,
  location,
  credentials,
  ...(apiEndpoint ? { apiEndpoint } : {}),
  // One retry policy, bounded by the function's remaining time: the loader's own.
  retryOptions: { autoRetry: false },
});

export const handler = createLoaderHandler({
  routing: __DMS2BQ_ROUTING__,
  s3,
  // ChangeMessageVisibility and GetQueueUrl come with the event source mapping's grant;
  // SendMessage to LOADER_QUEUE_URL with the stack's own (bindQueueSend).
  sqs: new SQSClient({}),
  ...(process.env.LOADER_QUEUE_URL ? { queueUrl: process.env.LOADER_QUEUE_URL } : {}),
  bigquery,
  location,
  logger,
  metrics: new Metrics(),
  fileConcurrency,
  currentTables: __DMS2BQ_CURRENT_TABLES__
    ? async () => {
        const sink = await import('./current-table/index.js');
        const endpoint = process.env.BIGQUERY_STORAGE_WRITE_ENDPOINT;
        const clientOptions = sink.writerClientOptions({
          projectId,
          credentials,
          ...(endpoint ? { plaintextEndpoint: endpoint } : {}),
        });
        return sink.createCurrentTableSink({ bigquery, s3, logger, streamer: { clientOptions } });
      }
    : undefined,
});
