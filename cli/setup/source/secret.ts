import { readFileSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/**
 * What the DMS source endpoint reads from its secret: the stack passes the secret as
 * `MySQLSettings.SecretsManagerSecretId` (infra/constructs/dms-source.ts), and DMS takes the
 * `username`, `password`, `host` and `port` keys from it (docs/deploy.md §4, doctor's checkSecret).
 */
export interface SourceSecret {
  username: string;
  password: string;
  host: string;
  port: number;
}

/** Where setup keeps the DMS user's credentials. */
export interface SecretStore {
  /** Where, for the plan: `Secrets Manager secret prod/dms/shop` or `file ./shop.json`. */
  readonly where: string;
  read(): Promise<SourceSecret | undefined>;
  /** Writes the secret; returns a line to tell the operator (e.g. the ARN for the config). */
  write(secret: SourceSecret): Promise<string>;
}

function parseSecret(text: string | undefined): SourceSecret | undefined {
  try {
    const value = JSON.parse(text ?? '') as Partial<SourceSecret>;
    if (typeof value.username !== 'string' || typeof value.password !== 'string') return undefined;
    return {
      username: value.username,
      password: value.password,
      host: String(value.host ?? ''),
      port: Number(value.port),
    };
  } catch {
    return undefined;
  }
}

const isNotFound = (error: unknown): boolean => (error as Error).name === 'ResourceNotFoundException';

/**
 * The stage's secret of the source: `sources.<source>.secretArn` of config/<stage>.json when the
 * config names one, else the name docs/deploy.md gives it, `<stage>/dms/<source>`, created on the
 * first write (its ARN, with Secrets Manager's random suffix, goes into the config then).
 */
export class SecretsManagerStore implements SecretStore {
  readonly where: string;
  private readonly secretId: string;
  private readonly name: string;
  private readonly configured: boolean;
  private readonly client: SecretsManagerClient;

  constructor(
    private readonly stage: string,
    private readonly source: string,
    configDir: string,
  ) {
    const config = readRawConfig(join(configDir, `${stage}.json`));
    const arn = config?.sources?.[source]?.secretArn;
    this.name = `${stage}/dms/${source}`;
    this.configured = typeof arn === 'string';
    this.secretId = typeof arn === 'string' ? arn : this.name;
    this.where = `Secrets Manager secret ${this.secretId}`;
    this.client = new SecretsManagerClient(config?.region ? { region: config.region } : {});
  }

  async read(): Promise<SourceSecret | undefined> {
    try {
      const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
      return parseSecret(SecretString);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async write(secret: SourceSecret): Promise<string> {
    const SecretString = JSON.stringify(secret);
    try {
      const { ARN } = await this.client.send(
        new PutSecretValueCommand({ SecretId: this.secretId, SecretString }),
      );
      return `wrote a new version of ${ARN ?? this.secretId}`;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const { ARN } = await this.client.send(
      new CreateSecretCommand({
        Name: this.name,
        SecretString,
        Description: `dms2bq: the DMS user of source ${this.source} (dms2bq setup source)`,
      }),
    );
    return this.configured
      ? `created ${ARN}; config/${this.stage}.json names ${this.secretId}, which does not exist: put ${ARN} in sources.${this.source}.secretArn`
      : `created ${ARN}: put it in sources.${this.source}.secretArn of config/${this.stage}.json`;
  }
}

interface RawConfig {
  region?: string;
  sources?: Record<string, { secretArn?: unknown }>;
}

/** The config as written, unvalidated: setup runs before the config is complete (docs/deploy.md). */
function readRawConfig(path: string): RawConfig | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RawConfig;
  } catch {
    return undefined;
  }
}

/** A local try: the same JSON in a file only its owner may read. */
export class FileStore implements SecretStore {
  readonly where: string;

  constructor(private readonly path: string) {
    this.where = `file ${path}`;
  }

  async read(): Promise<SourceSecret | undefined> {
    try {
      return parseSecret(await readFile(this.path, 'utf8'));
    } catch {
      return undefined;
    }
  }

  async write(secret: SourceSecret): Promise<string> {
    await writeFile(this.path, `${JSON.stringify(secret, null, 2)}\n`, { mode: 0o600 });
    // `mode` applies only when the file is created: an older file keeps its mode otherwise.
    await chmod(this.path, 0o600);
    return `wrote ${this.path} (mode 600)`;
  }
}
