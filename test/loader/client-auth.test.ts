import type { BigQuery } from '@google-cloud/bigquery';
import { AwsClient, JWT, PassThroughClient } from 'google-auth-library';
import { describe, expect, it } from 'vitest';
import { createBigQueryClient, type GcpCredentials } from '../../lambdas/shared/bigquery/client.js';
import { SERVICE_ACCOUNT_KEY, WIF_CONFIG } from './gcp-credentials.js';

/**
 * Which google-auth-library client signs the BigQuery requests, per credential kind (DESIGN
 * decision 10), read through the constructed client's public `authClient.getClient()`: building
 * these clients makes no request, so no Google endpoint is needed.
 */

const wifConfig = WIF_CONFIG;
const serviceAccountKey = SERVICE_ACCOUNT_KEY;

const signer = async (credentials: GcpCredentials) => {
  const bigquery: BigQuery = createBigQueryClient({ projectId: 'p', location: 'EU', credentials });
  const client = await bigquery.authClient.getClient();
  const kinds = { AwsClient, JWT, PassThroughClient };
  const type =
    Object.entries(kinds).find(([, kind]) => client instanceof kind)?.[0] ?? client.constructor.name;
  const fields = client as unknown as { audience?: string; email?: string };
  return { type, audience: fields.audience, email: fields.email };
};

describe('createBigQueryClient authentication', () => {
  it('signs with an AWS external-account client built from the WIF configuration', async () => {
    // Act
    const client = await signer({ kind: 'workload-identity', config: wifConfig });

    // Assess
    expect(client).toEqual({ type: 'AwsClient', audience: wifConfig.audience, email: undefined });
  });

  it('signs with a JWT client of the service-account key', async () => {
    // Act
    const client = await signer({ kind: 'service-account-key', key: serviceAccountKey });

    // Assess
    expect(client).toEqual({ type: 'JWT', audience: undefined, email: serviceAccountKey.client_email });
  });

  it('does not sign at all for the emulator', async () => {
    // Act
    const client = await signer({ kind: 'none' });

    // Assess
    expect(client).toEqual({ type: 'PassThroughClient', audience: undefined, email: undefined });
  });
});
