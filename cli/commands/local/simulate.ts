import { access, constants, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { loadMappingDir } from '../../../lambdas/shared/mappings/load.js';
import { LOCAL_CREDENTIALS, localNames } from '../../../local/aws/names.js';
import {
  directorySink,
  type FileSink,
  type SimulatedFile,
  SimulationInputError,
  s3Sink,
  simulate,
  writeGroundTruth,
} from '../../../local/simulator/index.js';
import { UserError, usageError } from '../../errors.js';
import { failedStep } from '../../failure.js';
import { output } from '../../io.js';
import { type LocalEnvironment, requireLocalEnvironment } from '../../local-environment.js';
import { DEFAULT_MAPPINGS_DIR } from '../mappings/validate.js';
import { newestLoadedChange, simulationStart } from './timeline.js';

interface SimulateCliOptions {
  mappings: string;
  out: string;
  minutes: string;
  changesPerMinute: string;
  seed: string;
  gzip?: boolean;
  parquetVersion: string;
  initialRows: string;
  fullLoadRowsPerFile: string;
  addColumn?: boolean;
  start?: string;
  endpoint?: string;
  bucket: string;
  truth?: string;
  truthRows: boolean;
  oversizedLobEvery: string;
}

function number(flag: string, raw: string, check: (value: number) => boolean, expected: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || !check(value)) {
    throw new UserError(`${flag} must be ${expected}, got "${raw}"`, 2);
  }
  return value;
}

const isCount = (value: number) => Number.isInteger(value) && value >= 0;

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description(
      'Write the Parquet files DMS would land for every mapped table (full load, then CDC) and the ground truth.',
    )
    .option('--mappings <dir>', 'directory of mapping files', DEFAULT_MAPPINGS_DIR)
    .requiredOption('--out <s3|dir>', 'a directory, or "s3" to PUT into --bucket at --endpoint')
    .requiredOption('--minutes <n>', 'length of the CDC stream after the full load')
    .requiredOption('--changes-per-minute <n>', 'changes per minute per source, spread over its tables')
    .option('--seed <n>', 'same seed and --start, same files and truth', '1')
    .option('--gzip', 'CompressionType GZIP (default NONE)')
    .option('--parquet-version <1|2>', 'parquet-1-0 (DataPage v1) or parquet-2-0 (DataPage v2)', '1')
    .option('--initial-rows <n>', 'rows per table in the full load', '1000')
    .option('--full-load-rows-per-file <n>', 'rows per LOAD file', '100000')
    .option('--add-column', 'halfway through, every table gains a nullable column (ALTER TABLE ADD COLUMN)')
    .option(
      '--start <time>',
      'task start (ISO-8601 UTC); default: so the changes end now, and with --out s3 never before the newest change the local warehouse holds',
    )
    .option('--endpoint <url>', 'with --out s3: the S3 endpoint (default: the one dms2bq local up runs)')
    .option('--bucket <name>', 'with --out s3: the landing bucket', localNames.landingBucket)
    .option('--truth <dir>', 'where ground-truth.json goes (default: <out>/_truth, or .local/truth with s3)')
    .option('--no-truth-rows', 'counts only: leave the current rows out of the truth (very large runs)')
    .option(
      '--oversized-lob-every <n>',
      '1 in n TEXT/BLOB/JSON values exceeds LobMaxSize: written cut, as DMS does, with its warning in <truth dir>/dms-task.log',
      '0',
    )
    .action(async (options: SimulateCliOptions) => {
      const minutes = number('--minutes', options.minutes, (v) => v > 0, 'a positive number');
      const changesPerMinute = number(
        '--changes-per-minute',
        options.changesPerMinute,
        (v) => v >= 0,
        'a number ≥ 0',
      );
      const seed = number('--seed', options.seed, Number.isInteger, 'an integer');
      const parquetVersion = number(
        '--parquet-version',
        options.parquetVersion,
        (v) => v === 1 || v === 2,
        '1 or 2',
      );
      const initialRowsPerTable = number('--initial-rows', options.initialRows, isCount, 'an integer ≥ 0');
      const fullLoadRowsPerFile = number(
        '--full-load-rows-per-file',
        options.fullLoadRowsPerFile,
        (v) => isCount(v) && v > 0,
        'an integer ≥ 1',
      );
      const oversizedLobEvery = number(
        '--oversized-lob-every',
        options.oversizedLobEvery,
        isCount,
        'an integer ≥ 0',
      );
      const asked = options.start === undefined ? undefined : new Date(options.start);
      if (asked && Number.isNaN(asked.getTime()))
        throw new UserError(`--start must be an ISO-8601 time, got "${options.start}"`, 2);

      const mappings = await loadMappingDir(options.mappings);
      const { sink, where, truthDir, environment } = await openOutput(options);
      // One local timeline: continue after what the running environment's warehouse holds.
      const newest = environment
        ? await newestLoadedChange(
            environment,
            mappings.map((file) => file.mapping),
          )
        : undefined;
      const start = asked ?? simulationStart(new Date(), minutes, newest);
      if (asked && newest && asked.getTime() <= newest.getTime()) {
        output().err(
          `note: --start ${asked.toISOString()} is not after the newest change the warehouse holds (${newest.toISOString()}); keys changed since will keep their newer rows in _current\n`,
        );
      }
      await writable(truthDir, '--truth');
      const taskLog: string[] = [];
      let result: Awaited<ReturnType<typeof simulate>>;
      try {
        result = await simulate({
          mappings,
          sink,
          minutes,
          changesPerMinute,
          seed,
          start,
          parquetVersion: parquetVersion as 1 | 2,
          gzip: options.gzip ?? false,
          initialRowsPerTable,
          fullLoadRowsPerFile,
          addColumnMidStream: options.addColumn ?? false,
          includeTruthRows: options.truthRows,
          oversizedLobEvery,
          onTaskLog: (line) => taskLog.push(line),
        });
      } catch (error) {
        if (error instanceof SimulationInputError) throw new UserError(error.message);
        throw error;
      }
      const truthPath = join(truthDir, 'ground-truth.json');
      await writeGroundTruth(truthPath, result.truth);
      output().out(
        `${summary(result.files, Object.keys(result.truth.tables).length, where)}\nchanges from ${start.toISOString()} to ${new Date(start.getTime() + minutes * 60_000).toISOString()}${asked ? '' : newest ? ` (after the newest change loaded, ${newest.toISOString()})` : ' (ending now)'}\ntruth: ${truthPath}\n`,
      );
      if (oversizedLobEvery > 0) {
        const logPath = join(truthDir, 'dms-task.log');
        await writeFile(logPath, taskLog.map((line) => `${line}\n`).join(''));
        output().out(`DMS task log: ${taskLog.length} LOB truncation warning(s) → ${logPath}\n`);
      }
    });
}

function summary(files: SimulatedFile[], tables: number, where: string): string {
  const of = (kind: 'load' | 'cdc') => files.filter((file) => file.kind === kind);
  const rows = (list: SimulatedFile[]) => list.reduce((sum, file) => sum + file.rows, 0);
  const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
  return `simulated ${tables} table(s): ${of('load').length} LOAD file(s) with ${rows(of('load'))} row(s), ${of('cdc').length} CDC file(s) with ${rows(of('cdc'))} change(s), ${bytes} bytes → ${where}`;
}

async function writable(dir: string, flag: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw usageError(
      `${flag} ${dir}: cannot write there (${(error as NodeJS.ErrnoException).code}); choose a writable directory`,
    );
  }
}

/** A sink that turns a failed write into one clear line naming the destination. */
function explained(sink: FileSink, where: string): FileSink {
  return {
    write: (key, bytes) =>
      sink.write(key, bytes).catch((error: unknown) => {
        throw failedStep(`cannot write ${key} to ${where}`, error);
      }),
  };
}

async function openOutput(options: SimulateCliOptions): Promise<{
  sink: FileSink;
  where: string;
  truthDir: string;
  environment?: LocalEnvironment;
}> {
  if (options.out === 's3') {
    // Without --endpoint, the S3 of the environment `dms2bq local up` runs.
    const environment = options.endpoint
      ? undefined
      : await requireLocalEnvironment('pass --endpoint <url> of an S3 endpoint');
    const endpoint = options.endpoint ?? environment?.awsEndpoint ?? '';
    // Credentials from the environment when set, otherwise the local stand-in's fixed ones.
    const s3 = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: process.env.AWS_REGION ?? 'us-east-1',
      ...(process.env.AWS_ACCESS_KEY_ID ? {} : { credentials: LOCAL_CREDENTIALS }),
    });
    const where = `s3://${options.bucket} at ${endpoint}`;
    return {
      sink: explained(s3Sink(s3, options.bucket), where),
      where,
      truthDir: options.truth ?? '.local/truth',
      ...(environment ? { environment } : {}),
    };
  }
  await writable(options.out, '--out');
  return {
    sink: explained(directorySink(options.out), options.out),
    where: options.out,
    truthDir: options.truth ?? join(options.out, '_truth'),
  };
}
