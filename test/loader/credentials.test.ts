import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { GcpCredentialsError, resolveGcpCredentials } from '../../lambdas/shared/bigquery/credentials.js';

const wifConfig = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: 'external_account',
    audience: '//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/dms2bq/providers/aws',
    subject_token_type: 'urn:ietf:params:aws:token-type:aws4_request',
    token_url: 'https://sts.googleapis.com/v1/token',
    credential_source: {
      environment_id: 'aws1',
      regional_cred_verification_url:
        'https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15',
    },
    ...overrides,
  });

const serviceAccountKey = {
  type: 'service_account',
  client_email: 'loader@project.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n',
};

describe('resolveGcpCredentials', () => {
  const secrets = mockClient(SecretsManagerClient);
  const client = () => new SecretsManagerClient({ region: 'eu-west-1' });

  afterEach(() => {
    secrets.reset();
  });

  it('uses Workload Identity Federation by default', async () => {
    // Prepare
    const env = { GCP_WIF_CONFIG: wifConfig() };

    // Act
    const credentials = await resolveGcpCredentials(env, client);

    // Assess
    expect(credentials).toMatchObject({ kind: 'workload-identity', config: { type: 'external_account' } });
  });

  describe.each([
    ['missing', {}],
    ['not JSON', { GCP_WIF_CONFIG: '{' }],
    ['a service-account key', { GCP_WIF_CONFIG: JSON.stringify(serviceAccountKey) }],
    ['carrying a secret', { GCP_WIF_CONFIG: wifConfig({ private_key: 'x' }) }],
  ])('a WIF configuration that is %s', (_name, env) => {
    it('is refused with the variable named', async () => {
      // Prepare
      const resolving = () => resolveGcpCredentials(env, client);

      // Act
      const result = resolving();

      // Assess
      await expect(result).rejects.toThrow(GcpCredentialsError);
      await expect(resolving()).rejects.toThrow(/GCP_WIF_CONFIG/);
    });
  });

  it('reads a service-account key from Secrets Manager', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(serviceAccountKey) });
    const env = {
      GCP_CREDENTIALS_MODE: 'service-account-key',
      GCP_SA_KEY_SECRET_ARN: 'arn:aws:secretsmanager:x',
    };

    // Act
    const credentials = await resolveGcpCredentials(env, client);

    // Assess
    expect(credentials).toEqual({ kind: 'service-account-key', key: serviceAccountKey });
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: 'arn:aws:secretsmanager:x',
    });
  });

  it('refuses a secret that is not a service-account key', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"user":"x"}' });
    const env = {
      GCP_CREDENTIALS_MODE: 'service-account-key',
      GCP_SA_KEY_SECRET_ARN: 'arn:aws:secretsmanager:x',
    };

    // Act
    const resolving = resolveGcpCredentials(env, client);

    // Assess
    await expect(resolving).rejects.toThrow(/not a service-account JSON key/);
  });

  it('refuses an unknown mode', async () => {
    // Prepare
    const env = { GCP_CREDENTIALS_MODE: 'password' };

    // Act
    const resolving = resolveGcpCredentials(env, client);

    // Assess
    await expect(resolving).rejects.toThrow(/GCP_CREDENTIALS_MODE=password/);
  });
});
