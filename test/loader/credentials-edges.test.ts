import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { GcpCredentialsError, resolveGcpCredentials } from '../../lambdas/shared/bigquery/credentials.js';

/**
 * The refusals an operator sees at deploy or on the first invocation, message for message: each
 * rule of the WIF configuration and of the service-account key is broken on its own, so a check
 * that stopped looking at one field would let that configuration through.
 */

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms2bq/gcp-key-AbCdEf';

const wif = (overrides: Record<string, unknown> = {}, without: string[] = []) => {
  const config: Record<string, unknown> = {
    type: 'external_account',
    audience: '//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/dms2bq/providers/aws',
    subject_token_type: 'urn:ietf:params:aws:token-type:aws4_request',
    token_url: 'https://sts.googleapis.com/v1/token',
    credential_source: { environment_id: 'aws1' },
    ...overrides,
  };
  for (const key of without) delete config[key];
  return JSON.stringify(config);
};

const key = {
  type: 'service_account',
  client_email: 'loader@project.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n',
};

/** The error `resolving` rejects with, to compare its class, name and message at once. */
async function refusal(
  resolving: Promise<unknown>,
): Promise<{ error: unknown; name: string; message: string }> {
  const error = await resolving.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error(`expected a refusal, got ${String(error)}`);
  return { error, name: error.name, message: error.message };
}

describe('resolveGcpCredentials refusals', () => {
  const secrets = mockClient(SecretsManagerClient);
  const client = () => new SecretsManagerClient({ region: 'eu-west-1' });

  afterEach(() => {
    secrets.reset();
  });

  it('takes no credentials in none mode and asks Secrets Manager nothing', async () => {
    // Prepare
    const env = { GCP_CREDENTIALS_MODE: 'none', GCP_WIF_CONFIG: wif() };

    // Act
    const credentials = await resolveGcpCredentials(env, client);

    // Assess
    expect(credentials).toEqual({ kind: 'none' });
    expect(secrets.calls()).toHaveLength(0);
  });

  it('names its errors GcpCredentialsError', async () => {
    // Prepare
    const env = { GCP_CREDENTIALS_MODE: 'password' };

    // Act
    const { error, name, message } = await refusal(resolveGcpCredentials(env, client));

    // Assess
    expect(error).toBeInstanceOf(GcpCredentialsError);
    expect(name).toBe('GcpCredentialsError');
    expect(message).toBe(
      'GCP_CREDENTIALS_MODE=password is not one of workload-identity, service-account-key, none',
    );
  });

  describe.each([
    ['of another type, with an audience', wif({ type: 'service_account' })],
    ['without a type, with an audience', wif({}, ['type'])],
    ['of type external_account without an audience', wif({}, ['audience'])],
    ['of type external_account with an audience that is not a string', wif({ audience: 123 })],
  ])('a WIF configuration %s', (_name, text) => {
    it('is refused as not an external_account configuration with an audience', async () => {
      // Prepare
      const env = { GCP_WIF_CONFIG: text };

      // Act
      const { error, name, message } = await refusal(resolveGcpCredentials(env, client));

      // Assess
      expect(error).toBeInstanceOf(GcpCredentialsError);
      expect({ name, message }).toEqual({
        name: 'GcpCredentialsError',
        message: 'GCP_WIF_CONFIG must be an external_account configuration with an audience',
      });
    });
  });

  describe.each([
    ['private_key', wif({ private_key: 'x' })],
    ['client_secret', wif({ client_secret: 'x' })],
  ])('a WIF configuration carrying %s', (_field, text) => {
    it('is refused as carrying a secret', async () => {
      // Prepare
      const env = { GCP_CREDENTIALS_MODE: 'workload-identity', GCP_WIF_CONFIG: text };

      // Act
      const { name, message } = await refusal(resolveGcpCredentials(env, client));

      // Assess
      expect({ name, message }).toEqual({
        name: 'GcpCredentialsError',
        message: 'GCP_WIF_CONFIG must not contain a secret; use service-account-key mode for keys',
      });
    });
  });

  it('refuses service-account-key mode without a secret ARN, before asking Secrets Manager', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(key) });
    const env = { GCP_CREDENTIALS_MODE: 'service-account-key' };

    // Act
    const { error, name, message } = await refusal(resolveGcpCredentials(env, client));

    // Assess
    expect(error).toBeInstanceOf(GcpCredentialsError);
    expect({ name, message }).toEqual({
      name: 'GcpCredentialsError',
      message: 'GCP_SA_KEY_SECRET_ARN is not set (service-account-key mode)',
    });
    expect(secrets.calls()).toHaveLength(0);
  });

  it('refuses a secret that holds no SecretString (a binary secret)', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ ARN, SecretBinary: new Uint8Array([1, 2, 3]) });
    const env = { GCP_CREDENTIALS_MODE: 'service-account-key', GCP_SA_KEY_SECRET_ARN: ARN };

    // Act
    const { name, message } = await refusal(resolveGcpCredentials(env, client));

    // Assess
    expect({ name, message }).toEqual({
      name: 'GcpCredentialsError',
      message: `secret ${ARN} has no SecretString`,
    });
  });

  describe.each([
    ['of another type', { ...key, type: 'authorized_user' }],
    ['without a client_email', { ...key, client_email: undefined }],
    ['with an empty client_email', { ...key, client_email: '' }],
    ['without a private_key', { ...key, private_key: undefined }],
    ['with an empty private_key', { ...key, private_key: '' }],
  ])('a service-account key %s', (_name, secretKey) => {
    it('is refused with the secret named', async () => {
      // Prepare
      secrets.on(GetSecretValueCommand).resolves({ ARN, SecretString: JSON.stringify(secretKey) });
      const env = { GCP_CREDENTIALS_MODE: 'service-account-key', GCP_SA_KEY_SECRET_ARN: ARN };

      // Act
      const { name, message } = await refusal(resolveGcpCredentials(env, client));

      // Assess
      expect({ name, message }).toEqual({
        name: 'GcpCredentialsError',
        message: `secret ${ARN} is not a service-account JSON key`,
      });
    });
  });
});
