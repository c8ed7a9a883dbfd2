import { credentials as grpcCredentials } from '@grpc/grpc-js';
import type { GcpCredentials } from '../../shared/bigquery/client.js';

export interface WriterOptionsInput {
  projectId: string;
  /** The same credentials as the BigQuery client's (lambdas/shared/bigquery/client.ts). */
  credentials: GcpCredentials;
  /** `host:port` of a Storage Write API without TLS (the local emulator); only with credentials `none`. */
  plaintextEndpoint?: string;
}

/**
 * `managedwriter.WriterClient` options. WriterClient passes them to google-gax, whose
 * GrpcClientOptions extend google-auth-library's GoogleAuthOptions: `credentials` is an "Object
 * containing client_email and private_key properties, or the external account client options"
 * (GoogleAuthOptions reference) — the same objects the BigQuery client takes, so workload identity
 * federation and a service-account key both authenticate the gRPC channel too (ADR 0025).
 */
export function writerClientOptions(input: WriterOptionsInput): Record<string, unknown> {
  const { credentials, projectId } = input;
  switch (credentials.kind) {
    case 'workload-identity':
      return { projectId, credentials: credentials.config };
    case 'service-account-key':
      return { projectId, credentials: credentials.key };
    case 'none': {
      const [host, port] = (input.plaintextEndpoint ?? '').split(':');
      if (!host || !port) {
        throw new Error(
          'GCP_CREDENTIALS_MODE=none streams only to a local emulator: set BIGQUERY_STORAGE_WRITE_ENDPOINT to its host:port',
        );
      }
      return {
        projectId,
        apiEndpoint: host,
        port: Number(port),
        sslCreds: grpcCredentials.createInsecure(),
        universeDomain: 'googleapis.com',
      };
    }
  }
}
