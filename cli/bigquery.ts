import { BigQuery } from '@google-cloud/bigquery';
import { createBigQueryClient } from '../lambdas/shared/bigquery/client.js';

/**
 * The BigQuery client of an operator command: an emulator at `endpoint` (no credentials), or Google
 * with Application Default Credentials (the operator's gcloud login; in CD, Workload Identity
 * Federation from GitHub's OIDC token).
 */
export function operatorBigQuery(projectId: string, location: string, endpoint?: string): BigQuery {
  return endpoint
    ? createBigQueryClient({ projectId, location, credentials: { kind: 'none' }, apiEndpoint: endpoint })
    : new BigQuery({ projectId, location });
}
