import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const DMS2BQ_BIN = resolve('bin/dms2bq.js');

/**
 * An environment with nothing to find: no AWS or Google variables, a HOME without ~/.aws or
 * gcloud files, and the two metadata-server probes off so that no test waits on (or reaches) a
 * network. `extra` adds what one test needs.
 */
export function emptyEnvironment(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    AWS_EC2_METADATA_DISABLED: 'true',
    METADATA_SERVER_DETECTION: 'none',
    DMS2BQ_LOCAL_STATE: resolve(home, 'up.json'),
    ...extra,
  };
}

export interface ChildRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bin/dms2bq.js` as a user would, in its own process. */
export function runDms2bqProcess(
  argv: string[],
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): Promise<ChildRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [DMS2BQ_BIN, ...argv],
      { env, cwd, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** Starts `bin/dms2bq.js` and keeps it running; the caller stops it. */
export function spawnDms2bq(argv: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): ChildProcess {
  return spawn(process.execPath, [DMS2BQ_BIN, ...argv], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const address = server.address();
  await new Promise<void>((closed) => server.close(() => closed()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}
