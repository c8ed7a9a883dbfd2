import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import { type ExternalAccountClientOptions, type JWTInput, PassThroughClient } from 'google-auth-library';

/**
 * How the BigQuery client authenticates (DESIGN decision 10):
 * - `workload-identity`: an `external_account` configuration (no secret in it); google-auth-library
 *   signs an STS GetCallerIdentity request with the Lambda role's credentials from the environment;
 * - `service-account-key`: the fallback, a JSON key kept in Secrets Manager;
 * - `none`: the local BigQuery emulator, which takes no credentials.
 */
export type GcpCredentials =
  | { kind: 'workload-identity'; config: ExternalAccountClientOptions }
  | { kind: 'service-account-key'; key: JWTInput }
  | { kind: 'none' };

export interface BigQueryClientOptions {
  projectId: string;
  location: string;
  credentials: GcpCredentials;
  /** e.g. `http://127.0.0.1:9050` for the local emulator; the scheme is required. */
  apiEndpoint?: string;
  retryOptions?: BigQueryOptions['retryOptions'];
}

export function createBigQueryClient(options: BigQueryClientOptions): BigQuery {
  const { credentials } = options;
  return new BigQuery({
    projectId: options.projectId,
    location: options.location,
    ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
    ...(options.retryOptions ? { retryOptions: options.retryOptions } : {}),
    ...(credentials.kind === 'workload-identity' ? { credentials: credentials.config } : {}),
    ...(credentials.kind === 'service-account-key' ? { credentials: credentials.key } : {}),
    ...(credentials.kind === 'none' ? { authClient: new PassThroughClient() } : {}),
  });
}
