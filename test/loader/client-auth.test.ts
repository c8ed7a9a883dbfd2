import type { BigQuery } from '@google-cloud/bigquery';
import { AwsClient, JWT, PassThroughClient } from 'google-auth-library';
import { describe, expect, it } from 'vitest';
import { createBigQueryClient, type GcpCredentials } from '../../lambdas/shared/bigquery/client.js';

/**
 * Which google-auth-library client signs the BigQuery requests, per credential kind (DESIGN
 * decision 10), read through the constructed client's public `authClient.getClient()`: building
 * these clients makes no request, so no Google endpoint is needed.
 */

const wifConfig = {
  type: 'external_account',
  audience: '//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/dms2bq/providers/aws',
  subject_token_type: 'urn:ietf:params:aws:token-type:aws4_request',
  token_url: 'https://sts.googleapis.com/v1/token',
  credential_source: {
    environment_id: 'aws1',
    regional_cred_verification_url:
      'https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15',
  },
} as const;

const serviceAccountKey = {
  type: 'service_account',
  client_email: 'loader@project.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n',
};

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
