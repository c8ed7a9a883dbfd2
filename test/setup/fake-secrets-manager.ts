import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * Secrets Manager as setup uses it, keeping the documented rules (ADR 0053): a secret is found by
 * its name or its full ARN; the ARN is the name followed by "a hyphen and six random characters";
 * a missing secret is "ResourceNotFoundException" ("Secrets Manager can't find the resource that
 * you asked for") for GetSecretValue and PutSecretValue ("If the secret doesn't already exist, use
 * CreateSecret instead"); CreateSecret of a taken name is "ResourceExistsException".
 */
export function fakeSecretsManager(account = '123456789012', region = 'eu-west-1') {
  const secrets = new Map<string, { arn: string; value: string; versions: number }>();
  const mock = mockClient(SecretsManagerClient);
  const error = (name: string, message: string) => Object.assign(new Error(message), { name });
  const find = (id: string | undefined) =>
    [...secrets.entries()].find(([name, secret]) => name === id || secret.arn === id)?.[1];
  const notFound = () =>
    error('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

  mock.on(GetSecretValueCommand).callsFake(({ SecretId }) => {
    const secret = find(SecretId);
    if (!secret) throw notFound();
    return { ARN: secret.arn, SecretString: secret.value };
  });
  mock.on(PutSecretValueCommand).callsFake(({ SecretId, SecretString }) => {
    const secret = find(SecretId);
    if (!secret) throw notFound();
    secret.value = SecretString;
    secret.versions++;
    return { ARN: secret.arn };
  });
  mock.on(CreateSecretCommand).callsFake(({ Name, SecretString }) => {
    if (secrets.has(Name)) {
      throw error(
        'ResourceExistsException',
        `The operation failed because the secret ${Name} already exists.`,
      );
    }
    const suffix = Math.random().toString(36).slice(2, 8).padEnd(6, 'x');
    const arn = `arn:aws:secretsmanager:${region}:${account}:secret:${Name}-${suffix}`;
    secrets.set(Name, { arn, value: SecretString, versions: 1 });
    return { ARN: arn, Name };
  });
  return { mock, secrets };
}
