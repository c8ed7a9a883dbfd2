import { readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { usageError } from './errors.js';

/**
 * What `dms2bq local up` serves, as every `--local` command finds it. The AWS endpoint is fauxqs
 * (S3 and SQS on one port, any credentials); the BigQuery endpoint is the emulator on `warehousePath`.
 */
export interface LocalEnvironment {
  awsEndpoint: string;
  region: string;
  /** Credentials fauxqs accepts; fixed so SDK clients never search the environment. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  bigqueryEndpoint: string;
  /**
   * `host:port` of the emulator's Storage Write API (gRPC, no TLS), where `_current` CDC tables are
   * streamed; absent when the emulator serves REST only.
   */
  storageWriteEndpoint?: string;
  projectId: string;
  location: string;
  bucket: string;
  queueUrl: string;
  dlqUrl: string;
  /** Absolute path of the DuckDB file the emulator holds (and locks) while it runs. */
  warehousePath: string;
  /** Absolute path of the mapping directory the loader routes with. */
  mappingsDir: string;
  pid: number;
  startedAt: string;
}

/** Relative to the working directory, next to the default warehouse `.local/warehouse.duckdb`. */
export const DEFAULT_LOCAL_STATE_FILE = '.local/up.json';

/** `DMS2BQ_LOCAL_STATE` points every command at another state file (two environments side by side). */
export const localStateFile = (): string =>
  resolve(process.env.DMS2BQ_LOCAL_STATE ?? DEFAULT_LOCAL_STATE_FILE);

export async function writeLocalEnvironment(environment: LocalEnvironment): Promise<string> {
  const file = localStateFile();
  await writeFile(file, `${JSON.stringify(environment, null, 2)}\n`);
  return file;
}

export async function removeLocalEnvironment(): Promise<void> {
  await rm(localStateFile(), { force: true });
}

/**
 * The running `local up` environment, or undefined when none runs. A state file whose process is
 * gone (killed with SIGKILL, machine restarted) counts as none.
 */
export async function findLocalEnvironment(): Promise<LocalEnvironment | undefined> {
  const file = localStateFile();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let environment: LocalEnvironment;
  try {
    environment = JSON.parse(text) as LocalEnvironment;
  } catch {
    throw usageError(`${file} is not JSON; delete it and start dms2bq local up again`);
  }
  return isRunning(environment.pid) ? environment : undefined;
}

/** For `--local` commands: the running environment, or one line saying how to start it. */
export async function requireLocalEnvironment(alternative: string): Promise<LocalEnvironment> {
  const environment = await findLocalEnvironment();
  if (environment) return environment;
  throw usageError(
    `no local environment is running (no live ${localStateFile()}): start dms2bq local up in another terminal, or ${alternative}`,
  );
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
