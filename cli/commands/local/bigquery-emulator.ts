import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { startBigQueryEmulator } from '../../../local/bigquery-emulator/index.js';
import { UserError, usageError } from '../../errors.js';
import { output } from '../../io.js';

interface EmulatorOptions {
  port: string;
  host: string;
  db: string;
  project: string;
  location: string;
  jobDelayMs: string;
  memoryLimit: string;
  storageWrite?: boolean;
}

const integer = (value: string, option: string, min: number, max: number): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new UserError(`${option} must be an integer from ${min} to ${max}, got "${value}".`, 2);
  }
  return parsed;
};

/** `dms2bq bigquery-emulator`: the local BigQuery stand-in, until Ctrl-C. */
export function registerBigQueryEmulatorCommand(program: Command): void {
  program
    .command('bigquery-emulator')
    .description('Run the local BigQuery emulator (REST API on a DuckDB file) until interrupted.')
    .option('--port <port>', 'TCP port (0 picks a free one)', '9050')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option(
      '--db <file>',
      'DuckDB file holding the warehouse (":memory:" for none)',
      '.local/warehouse.duckdb',
    )
    .option('--project <id>', 'the GCP project the emulator serves', 'local-project')
    .option('--location <location>', 'default location of datasets and jobs', 'US')
    .option('--job-delay-ms <ms>', 'time each job spends PENDING and RUNNING', '100')
    .option('--memory-limit <size>', "DuckDB's memory_limit; larger loads spill to disk", '512MB')
    .option('--storage-write', 'also serve the Storage Write API (gRPC, default streams) on a free port')
    .action(async (options: EmulatorOptions) => {
      const port = integer(options.port, '--port', 0, 65_535);
      const jobStateDelayMs = integer(options.jobDelayMs, '--job-delay-ms', 0, 600_000);
      const inMemory = options.db === ':memory:';
      if (!inMemory) await mkdir(dirname(options.db), { recursive: true });
      const emulator = await startBigQueryEmulator({
        port,
        host: options.host,
        projectId: options.project,
        location: options.location,
        jobStateDelayMs,
        memoryLimit: options.memoryLimit,
        storageWrite: options.storageWrite === true,
        ...(inMemory ? {} : { dbPath: options.db }),
      }).catch((error: unknown) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE')
          throw usageError(`--port ${port} is in use; pick another port or stop the process using it.`);
        if (error instanceof Error && /lock|IO Error/i.test(error.message)) {
          throw usageError(
            `--db ${options.db} cannot be opened (${error.message.split('\n')[0]}); is another emulator using it?`,
          );
        }
        throw error;
      });
      output().out(
        `BigQuery emulator on ${emulator.url} (project ${emulator.projectId}, location ${emulator.location}, warehouse ${options.db})\n` +
          `Client: new BigQuery({ projectId: '${emulator.projectId}', apiEndpoint: '${emulator.url}', authClient: new PassThroughClient() })\n`,
      );
      const grpc = emulator.storageWrite;
      if (grpc !== undefined) {
        output().out(
          `Storage Write API on ${grpc.host}:${grpc.port}: new WriterClient({ projectId: '${emulator.projectId}', apiEndpoint: '${grpc.host}', port: ${grpc.port}, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' })\n`,
        );
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await emulator.stop();
    });
}
