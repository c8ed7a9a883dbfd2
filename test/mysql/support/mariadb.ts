import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, inject } from 'vitest';
import { mariadbd } from './binaries.js';
import { installDataDir } from './install.js';

export interface StartOptions {
  /**
   * Server options in place of the replication-ready defaults below (`--log-bin` and the binlog
   * settings DMS requires); `--no-defaults`, the directories, port and user are always set.
   */
  serverArgs?: string[];
}

/** A throwaway MariaDB server on 127.0.0.1, its data in a temp directory. */
export interface MariaDb {
  port: number;
  /** `mysql://root@127.0.0.1:<port>`: root with every privilege and no password. */
  rootUrl: string;
  /** A mysql:// URL for another user of this server. */
  url(user: string, password: string, database?: string): string;
  /** A new connection as root; the caller ends it. */
  connect(database?: string): Promise<Connection>;
  /** Runs statements as root on one short connection (multiple statements allowed). */
  exec(sql: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The binlog settings DMS requires of a MySQL source ("Using a MySQL-compatible database as a
 * source", AWS DMS User Guide; docs/deploy.md §4): a row-based binary log with full row images, no
 * checksums (MariaDB's default is CRC32), kept a day or more. The event scheduler runs, as the
 * heartbeat needs, so the doctor's checks see a source configured as the project asks.
 */
export const REPLICATION_READY_ARGS = [
  '--log-bin=binlog',
  '--binlog-format=ROW',
  '--binlog-row-image=FULL',
  '--binlog-checksum=NONE',
  '--server-id=1',
  '--expire-logs-days=3',
  '--event-scheduler=ON',
];

/** Small buffers: a test server holds a few rows, and two cores are shared by every test. */
const LIGHT_ARGS = [
  '--innodb-buffer-pool-size=16M',
  '--innodb-log-file-size=8M',
  '--performance-schema=OFF',
  '--max-connections=50',
];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function templateDir(): Promise<string | undefined> {
  try {
    return inject('mariadbTemplate');
  } catch {
    return undefined;
  }
}

/**
 * Starts MariaDB on a free port in a new temp directory and waits until root can connect. The data
 * directory is a copy of the one the project's global setup installed (or a fresh install when run
 * without it). A port taken between choosing and binding is retried with another.
 */
export async function startMariadb(options: StartOptions = {}): Promise<MariaDb> {
  const root = await mkdtemp(join(tmpdir(), 'dms2bq-mariadb-'));
  const dataDir = join(root, 'data');
  const template = await templateDir();
  if (template) await cp(template, dataDir, { recursive: true });
  else await installDataDir(dataDir);
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const server = spawn(
      mariadbd(),
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        `--socket=${join(root, 'mariadb.sock')}`,
        `--pid-file=${join(root, 'mariadb.pid')}`,
        `--log-error=${join(root, 'error.log')}`,
        // Its own temporary directory: servers of parallel test files sharing /tmp have lost each
        // other's implicit temporary tables ("Error on delete of '/tmp/#sql-temptable-…'").
        `--tmpdir=${root}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        // mariadbd refuses to run as root unless told to; as another user the option is not needed.
        ...(process.getuid?.() === 0 ? ['--user=root'] : []),
        ...LIGHT_ARGS,
        ...(options.serverArgs ?? REPLICATION_READY_ARGS),
      ],
      { stdio: 'ignore' },
    );
    try {
      await waitUntilReady(server, port, join(root, 'error.log'));
      return handle(server, port, root);
    } catch (error) {
      lastError = error as Error;
      await stopProcess(server);
      if (!/Address already in use|Bind on TCP\/IP port/.test(lastError.message)) break;
    }
  }
  await rm(root, { recursive: true, force: true });
  throw lastError ?? new Error('MariaDB did not start');
}

async function waitUntilReady(server: ChildProcess, port: number, errorLog: string): Promise<void> {
  let exited: string | undefined;
  server.once('exit', (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  // Readiness, not timing: the loop ends when root connects or the server exits; vitest's hook
  // timeout bounds it.
  for (;;) {
    if (exited) {
      const log = await readFile(errorLog, 'utf8').catch(() => '');
      throw new Error(`mariadbd ${exited}:\n${log.split('\n').slice(-15).join('\n')}`);
    }
    try {
      const connection = await createConnection({ host: '127.0.0.1', port, user: 'root' });
      await connection.end();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function stopProcess(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    server.once('exit', () => resolve());
    server.kill('SIGTERM');
  });
}

function handle(server: ChildProcess, port: number, root: string): MariaDb {
  // A worker that exits without its afterAll (a crash, a timeout) must not leave a server behind.
  const killOnExit = () => server.kill('SIGKILL');
  process.once('exit', killOnExit);
  const connect = (database?: string) =>
    createConnection({
      host: '127.0.0.1',
      port,
      user: 'root',
      multipleStatements: true,
      ...(database ? { database } : {}),
    });
  return {
    port,
    rootUrl: `mysql://root@127.0.0.1:${port}`,
    url: (user, password, database) =>
      `mysql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}${database ? `/${database}` : ''}`,
    connect,
    exec: async (sql) => {
      const connection = await connect();
      try {
        await connection.query(sql);
      } finally {
        await connection.end();
      }
    },
    stop: async () => {
      process.off('exit', killOnExit);
      await stopProcess(server);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * One server for the test file: started in beforeAll, stopped and deleted in afterAll. Returns a
 * getter because the server exists only once beforeAll has run.
 */
export function useMariadb(options: StartOptions = {}): () => MariaDb {
  let server: MariaDb | undefined;
  beforeAll(async () => {
    server = await startMariadb(options);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server)
      throw new Error('the MariaDB server is not started: call useMariadb() at the top of the file');
    return server;
  };
}
