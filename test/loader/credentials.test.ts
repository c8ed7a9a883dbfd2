import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { GcpCredentialsError, resolveGcpCredentials } from '../../lambdas/shared/bigquery/credentials.js';
import { SERVICE_ACCOUNT_KEY, WIF_CONFIG } from './gcp-credentials.js';

const wifConfig = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({ ...WIF_CONFIG, ...overrides });

const serviceAccountKey = SERVICE_ACCOUNT_KEY;

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
