import { BigQuery } from '@google-cloud/bigquery';
import { loadStageConfig, StageConfigError } from '../infra/config.js';
import { createBigQueryClient } from '../lambdas/shared/bigquery/client.js';
import { usageError } from './errors.js';

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

/** The GCP project and location of `config/<stage>.json`; a missing or invalid config is a one-line error. */
export function stageGcp(stage: string): { projectId: string; location: string } {
  try {
    return loadStageConfig(stage).gcp;
  } catch (error) {
    if (error instanceof StageConfigError) throw usageError(error.message);
    throw error;
  }
}
