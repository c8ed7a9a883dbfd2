/**
 * Reconciliation Lambda, run by EventBridge Scheduler: DMS's table statistics against the
 * changelog's counts by Op, a drift metric per table (docs/reconciliation.md).
 *
 * Environment:
 *   STAGE                   the stage, to name each source's replication task dms2bq-<stage>-<source>
 *   GCP_PROJECT_ID, BIGQUERY_LOCATION, GCP_CREDENTIALS_MODE, GCP_WIF_CONFIG, GCP_SA_KEY_SECRET_ARN
 *                           as for the loader
 *   SETTLE_MINUTES          a shortfall is drift once DMS has counted nothing new for this long
 *   BIGQUERY_STORAGE_WRITE_ENDPOINT  host:port of a local Storage Write API (GCP_CREDENTIALS_MODE=none only)
 *   POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE
 * The routing table is bundled like the loader's (`__DMS2BQ_ROUTING__`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { writerClientOptions } from '../loader/current-table/writer-options.js';
import { createCdcStreamer } from '../shared/bigquery/cdc-stream.js';
import { createBigQueryClient } from '../shared/bigquery/client.js';
import { resolveGcpCredentials } from '../shared/bigquery/credentials.js';
import type { RoutingTable } from '../shared/routing.js';
import { createReconcileHandler } from './create-handler.js';

declare const __DMS2BQ_ROUTING__: RoutingTable | undefined;

const requireEnv = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required by the reconciliation function`);
  return value;
};

if (typeof __DMS2BQ_ROUTING__ === 'undefined') {
  throw new Error('the reconciliation function was bundled without __DMS2BQ_ROUTING__');
}

const projectId = requireEnv('GCP_PROJECT_ID');
const credentials = await resolveGcpCredentials(process.env, () => new SecretsManagerClient({}));
// Only tables in "table" mode need the Storage Write API: the keys a completed reload lacked are
// deleted from their CDC tables (ADR 0047).
const endpoint = process.env.BIGQUERY_STORAGE_WRITE_ENDPOINT;
const streamer = Object.values(__DMS2BQ_ROUTING__).some((route) => route.current === 'table')
  ? createCdcStreamer(
      writerClientOptions({ projectId, credentials, ...(endpoint ? { plaintextEndpoint: endpoint } : {}) }),
    )
  : undefined;
export const handler = createReconcileHandler({
  stage: requireEnv('STAGE'),
  routing: __DMS2BQ_ROUTING__,
  dms: new DatabaseMigrationServiceClient({}),
  bigquery: createBigQueryClient({
    projectId,
    location: requireEnv('BIGQUERY_LOCATION'),
    credentials,
  }),
  projectId,
  metrics: new Metrics(),
  logger: new Logger(),
  settleMs: Number(process.env.SETTLE_MINUTES ?? 15) * 60_000,
  ...(streamer ? { streamer } : {}),
});
