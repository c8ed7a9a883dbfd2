import { type GcpCredentialsConfig, loadStageConfig, StageConfigError } from '../../infra/config.js';
import type { DatasetAccessEntry } from '../../lambdas/shared/warehouse/apply.js';
import { usageError } from '../errors.js';

const IMPERSONATION = /\/serviceAccounts\/([^/:]+@[^/:]+):generateAccessToken$/;

/**
 * The dataset access the stage's loader needs before its first file (ADR 0031): WRITER
 * (roles/bigquery.dataEditor) for the service account it acts as — the one its workload identity
 * configuration impersonates, or the key's `serviceAccountEmail`. The reconciliation function acts
 * as the same service account and only reads, which WRITER includes.
 */
export function loaderDatasetAccess(stage: string, dir = 'config'): DatasetAccessEntry[] {
  let credentials: GcpCredentialsConfig;
  try {
    credentials = loadStageConfig(stage, dir).gcp.credentials;
  } catch (error) {
    if (error instanceof StageConfigError) throw usageError(error.message);
    throw error;
  }
  const file = `${dir}/${stage}.json`;
  if (credentials.mode === 'service-account-key') {
    if (!credentials.serviceAccountEmail) {
      throw usageError(
        `${file}: gcp.credentials.serviceAccountEmail is required to give the loader its dataset access before the first file → fix: set it to the email of the key's service account`,
      );
    }
    return [{ role: 'WRITER', userByEmail: credentials.serviceAccountEmail }];
  }
  const url = credentials.wifConfig.service_account_impersonation_url;
  const email = typeof url === 'string' ? IMPERSONATION.exec(url)?.[1] : undefined;
  if (!email) {
    throw usageError(
      `${file}: gcp.credentials.wifConfig.service_account_impersonation_url names no service account → fix: create the configuration with gcloud iam workload-identity-pools create-cred-config --service-account=dms2bq-loader@PROJECT.iam.gserviceaccount.com (docs/deploy.md section 2.3)`,
    );
  }
  return [{ role: 'WRITER', userByEmail: email }];
}
