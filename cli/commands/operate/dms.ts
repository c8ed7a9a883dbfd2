import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import type { Command } from 'commander';
import { parseIsoUtc } from '../../../lambdas/replay/request.js';
import {
  type CdcStart,
  reloadTable,
  resumeCdc,
  TaskNotFoundError,
  type TaskRef,
  TaskStateError,
  type TaskStatus,
  taskStatus,
} from '../../dms/operations.js';
import { UserError, usageError } from '../../errors.js';
import { output } from '../../io.js';
import { stageRegion } from '../../stack-outputs.js';
import { DEFAULT_MAPPINGS_DIR } from '../mappings/validate.js';
import { loadRouting } from './replay.js';

interface TargetOptions {
  source: string;
  stage?: string;
  replicationTaskArn?: string;
  region?: string;
  mappings: string;
}

export interface DmsCommandDeps {
  /** Waits between DescribeReplicationTasks polls while a task stops. */
  sleep?: (ms: number) => Promise<void>;
}

/** `dms2bq dms status|reload|resume`: operate a source's DMS replication task. */
export const registerDmsCommand = dmsCommand();

export function dmsCommand(deps: DmsCommandDeps = {}): (program: Command) => void {
  return (program) => {
    const dms = program.command('dms').description("Operate a source's DMS replication task.");
    const target = (command: Command) =>
      command
        .requiredOption('--source <id>', 'source id (mapping file name)')
        .option(
          '--stage <stage>',
          'deployment stage: finds the replication task dms2bq-<stage>-<source> (see docs/backfill.md)',
        )
        .option('--replication-task-arn <arn>', 'the replication task ARN (instead of --stage)')
        .option('--region <region>', 'AWS region (default: the stage config’s, else the SDK default chain)')
        .option('--mappings <dir>', 'mapping files, to check --source and --table', DEFAULT_MAPPINGS_DIR);

    target(dms.command('status').description('Task status, recovery checkpoint and per-table statistics.'))
      .option('--json', 'machine-readable output')
      .action(async (options: TargetOptions & { json?: boolean }) => {
        const { client, ref } = await connect(options);
        const status = await run(() => taskStatus(client, ref));
        output().out(options.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
      });

    target(dms.command('reload').description('Reload one table from the source (a new full load of it).'))
      .requiredOption('--table <schema.table>', 'the table to reload')
      .action(async (options: TargetOptions & { table: string }) => {
        const { client, ref, routing } = await connect(options);
        const [schema = '', table = ''] = options.table.split('.');
        if (!routing.some((route) => route.schema === schema && route.table === table)) {
          const known = routing.map((route) => `${route.schema}.${route.table}`).join(', ');
          throw usageError(
            `--table ${options.table} is not a mapped table of ${options.source}; mapped: ${known}`,
          );
        }
        const arn = await run(() => reloadTable(client, ref, schema, table));
        output().out(
          `reloading ${options.table} in ${arn}; watch it with dms2bq dms status --source ${options.source}\n`,
        );
      });

    target(
      dms
        .command('resume')
        .description('Restart CDC from its checkpoint, or from a time or binlog position (binlog purged).'),
    )
      .option('--from <time>', 'ISO-8601 UTC time to restart CDC from (CdcStartTime)')
      .option(
        '--from-position <position>',
        'native MySQL position to restart CDC from (CdcStartPosition), e.g. mysql-bin-changelog.000024:4',
      )
      .option(
        '--start-type <type>',
        'StartReplicationTaskType: resume-processing, or reload-target to load every table again',
        'resume-processing',
      )
      .action(
        async (options: TargetOptions & { from?: string; fromPosition?: string; startType: string }) => {
          const time = options.from === undefined ? undefined : parseIsoUtc(options.from);
          if (options.from !== undefined && !time)
            throw new UserError(
              `--from ${options.from} is not an ISO-8601 UTC time like 2024-03-27T01:00:00Z`,
              2,
            );
          if (time && options.fromPosition !== undefined) {
            // StartReplicationTask: "Specifying both values results in an error."
            throw new UserError('pass at most one of --from <time> and --from-position <position>', 2);
          }
          if (options.fromPosition !== undefined && !/^\S+:\d+$/.test(options.fromPosition)) {
            throw new UserError(
              `--from-position ${options.fromPosition} is not a binlog position like mysql-bin-changelog.000024:4`,
              2,
            );
          }
          if (options.startType !== 'resume-processing' && options.startType !== 'reload-target') {
            throw new UserError(
              `--start-type ${options.startType}: use resume-processing or reload-target`,
              2,
            );
          }
          const from: CdcStart = time
            ? { time }
            : options.fromPosition
              ? { position: options.fromPosition }
              : { checkpoint: true };
          const { client, ref } = await connect(options);
          const startType = options.startType;
          const arn = await run(() =>
            resumeCdc(client, ref, from, {
              startType,
              onStatus: (line) => output().err(`${line}\n`),
              ...(deps.sleep ? { sleep: deps.sleep } : {}),
            }),
          );
          const origin =
            'time' in from ? from.time.toISOString() : 'position' in from ? from.position : 'its checkpoint';
          output().out(`started ${arn} (${startType}) with CDC from ${origin}\n`);
        },
      );
  };
}

async function connect(options: TargetOptions) {
  if (!options.stage === !options.replicationTaskArn) {
    throw new UserError('pass exactly one of --stage <stage> or --replication-task-arn <arn>', 2);
  }
  const routing = Object.values(await loadRouting(options.mappings)).filter(
    (route) => route.source === options.source,
  );
  if (routing.length === 0)
    throw usageError(`--source ${options.source} has no mapping file in ${options.mappings}`);
  const ref: TaskRef = options.replicationTaskArn
    ? { arn: options.replicationTaskArn }
    : { stage: options.stage as string, source: options.source };
  // With --stage, the region is the stage config's, as for every other --stage command.
  const region = options.region ?? (options.stage ? stageRegion(options.stage) : undefined);
  const client = new DatabaseMigrationServiceClient(region ? { region } : {});
  return { client, ref, routing };
}

/** Turns what an operator can fix (wrong stage, task still stopping) into one line. */
async function run<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof TaskNotFoundError || error instanceof TaskStateError) {
      throw new UserError(error.message);
    }
    const { name, message, $metadata } = error as Error & { $metadata?: unknown };
    if ($metadata) throw new UserError(`DMS call failed: ${name}: ${message}`);
    throw error;
  }
}

function renderStatus(status: TaskStatus): string {
  const lines = [
    `${status.identifier} (${status.migrationType ?? 'task'}): ${status.status}${status.stopReason ? ` — ${status.stopReason}` : ''}`,
    `  ${status.arn}`,
    ...(status.startDate ? [`  started: ${status.startDate.toISOString()}`] : []),
    ...(status.recoveryCheckpoint ? [`  recovery checkpoint: ${status.recoveryCheckpoint}`] : []),
    ...(status.lastFailureMessage ? [`  failure: ${status.lastFailureMessage}`] : []),
    '',
  ];
  const header = ['table', 'state', 'inserts', 'updates', 'deletes', 'full-load rows', 'last update'];
  const rows = status.tables.map((table) => [
    table.table,
    table.state,
    String(table.inserts),
    String(table.updates),
    String(table.deletes),
    String(table.fullLoadRows),
    table.lastUpdateTime?.toISOString() ?? '-',
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  for (const row of [header, ...rows])
    lines.push(
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  if (rows.length === 0) lines.push('(no table statistics yet)');
  return `${lines.join('\n')}\n`;
}
