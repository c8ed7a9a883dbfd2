import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ExternalAccountClientOptions, JWTInput } from 'google-auth-library';
import type { GcpCredentials } from './client.js';

/**
 * Reads the GCP credentials a function is configured with, once per cold start:
 *   GCP_CREDENTIALS_MODE   workload-identity (default) | service-account-key | none
 *   GCP_WIF_CONFIG         the `external_account` JSON (workload-identity)
 *   GCP_SA_KEY_SECRET_ARN  the secret holding a service-account JSON key (service-account-key)
 * `none` is for the local emulator only.
 */
export class GcpCredentialsError extends Error {
  override name = 'GcpCredentialsError';
}

export type CredentialsMode = GcpCredentials['kind'];

export async function resolveGcpCredentials(
  env: Record<string, string | undefined>,
  secretsManager: () => SecretsManagerClient,
): Promise<GcpCredentials> {
  const mode = env.GCP_CREDENTIALS_MODE ?? 'workload-identity';
  switch (mode) {
    case 'workload-identity':
      return { kind: mode, config: parseWifConfig(env.GCP_WIF_CONFIG) };
    case 'service-account-key':
      return { kind: mode, key: await readServiceAccountKey(secretsManager(), env.GCP_SA_KEY_SECRET_ARN) };
    case 'none':
      return { kind: mode };
    default:
      throw new GcpCredentialsError(
        `GCP_CREDENTIALS_MODE=${mode} is not one of workload-identity, service-account-key, none`,
      );
  }
}

export function parseWifConfig(text: string | undefined): ExternalAccountClientOptions {
  if (!text)
    throw new GcpCredentialsError('GCP_WIF_CONFIG is not set; it must hold the external_account JSON');
  const config = parseJson(text, 'GCP_WIF_CONFIG') as Partial<ExternalAccountClientOptions> &
    Record<string, unknown>;
  if (config.type !== 'external_account' || typeof config.audience !== 'string') {
    throw new GcpCredentialsError(
      'GCP_WIF_CONFIG must be an external_account configuration with an audience',
    );
  }
  if ('private_key' in config || 'client_secret' in config) {
    throw new GcpCredentialsError(
      'GCP_WIF_CONFIG must not contain a secret; use service-account-key mode for keys',
    );
  }
  return config as ExternalAccountClientOptions;
}

async function readServiceAccountKey(
  client: SecretsManagerClient,
  secretArn: string | undefined,
): Promise<JWTInput> {
  if (!secretArn)
    throw new GcpCredentialsError('GCP_SA_KEY_SECRET_ARN is not set (service-account-key mode)');
  const secret = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!secret.SecretString) throw new GcpCredentialsError(`secret ${secretArn} has no SecretString`);
  const key = parseJson(secret.SecretString, `secret ${secretArn}`) as JWTInput;
  if (key.type !== 'service_account' || !key.client_email || !key.private_key) {
    throw new GcpCredentialsError(`secret ${secretArn} is not a service-account JSON key`);
  }
  return key;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new GcpCredentialsError(`${what} is not valid JSON`);
  }
}
