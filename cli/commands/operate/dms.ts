import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import type { Command } from 'commander';
import { parseIsoUtc } from '../../../lambdas/replay/request.js';
import {
  ReplicationNotFoundError,
  type ReplicationRef,
  ReplicationStateError,
  type ReplicationStatus,
  reloadTable,
  replicationStatus,
  resumeCdc,
} from '../../dms/operations.js';
import { UserError } from '../../errors.js';
import { output } from '../../io.js';
import { DEFAULT_MAPPINGS_DIR } from '../mappings/validate.js';
import { loadRouting } from './replay.js';

interface TargetOptions {
  source: string;
  stage?: string;
  replicationConfigArn?: string;
  region?: string;
  mappings: string;
}

export interface DmsCommandDeps {
  /** Waits between DescribeReplications polls while a replication stops. */
  sleep?: (ms: number) => Promise<void>;
}

/** `dms2bq dms status|reload|resume`: operate a source's DMS Serverless replication. */
export const registerDmsCommand = dmsCommand();

export function dmsCommand(deps: DmsCommandDeps = {}): (program: Command) => void {
  return (program) => {
    const dms = program.command('dms').description("Operate a source's DMS Serverless replication.");
    const target = (command: Command) =>
      command
        .requiredOption('--source <id>', 'source id (mapping file name)')
        .option(
          '--stage <stage>',
          'deployment stage: finds the replication config dms2bq-<stage>-<source> (see docs/backfill.md)',
        )
        .option('--replication-config-arn <arn>', 'the replication config ARN (instead of --stage)')
        .option('--region <region>', 'AWS region (default: the SDK default chain)')
        .option('--mappings <dir>', 'mapping files, to check --source and --table', DEFAULT_MAPPINGS_DIR);

    target(dms.command('status').description('Replication status and per-table statistics.'))
      .option('--json', 'machine-readable output')
      .action(async (options: TargetOptions & { json?: boolean }) => {
        const { client, ref } = await connect(options);
        const status = await run(() => replicationStatus(client, ref));
        output().out(options.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
      });

    target(dms.command('reload').description('Reload one table from the source (a new full load of it).'))
      .requiredOption('--table <schema.table>', 'the table to reload')
      .action(async (options: TargetOptions & { table: string }) => {
        const { client, ref, routing } = await connect(options);
        const [schema = '', table = ''] = options.table.split('.');
        if (!routing.some((route) => route.schema === schema && route.table === table)) {
          const known = routing.map((route) => `${route.schema}.${route.table}`).join(', ');
          throw new UserError(
            `--table ${options.table} is not a mapped table of ${options.source}; mapped: ${known}`,
          );
        }
        const arn = await run(() => reloadTable(client, ref, schema, table));
        output().out(
          `reloading ${options.table} in ${arn}; watch it with dms2bq dms status --source ${options.source}\n`,
        );
      });

    target(
      dms.command('resume').description('Restart CDC from its checkpoint, or from a time (binlog purged).'),
    )
      .option(
        '--from <time>',
        'ISO-8601 UTC time to restart CDC from (CdcStartTime); default: its checkpoint',
      )
      .option(
        '--start-type <type>',
        'StartReplicationType: resume-processing or start-replication',
        'resume-processing',
      )
      .action(async (options: TargetOptions & { from?: string; startType: string }) => {
        const from = options.from === undefined ? undefined : parseIsoUtc(options.from);
        if (options.from !== undefined && !from)
          throw new UserError(
            `--from ${options.from} is not an ISO-8601 UTC time like 2024-03-27T01:00:00Z`,
            2,
          );
        if (options.startType !== 'resume-processing' && options.startType !== 'start-replication') {
          throw new UserError(
            `--start-type ${options.startType}: use resume-processing or start-replication`,
            2,
          );
        }
        const { client, ref } = await connect(options);
        const startType = options.startType;
        const arn = await run(() =>
          resumeCdc(client, ref, from, {
            startType,
            onStatus: (line) => output().err(`${line}\n`),
            ...(deps.sleep ? { sleep: deps.sleep } : {}),
          }),
        );
        output().out(
          `started ${arn} (${startType}) with CDC from ${from ? from.toISOString() : 'its checkpoint'}\n`,
        );
      });
  };
}

async function connect(options: TargetOptions) {
  if (!options.stage === !options.replicationConfigArn) {
    throw new UserError('pass exactly one of --stage <stage> or --replication-config-arn <arn>', 2);
  }
  const routing = Object.values(await loadRouting(options.mappings)).filter(
    (route) => route.source === options.source,
  );
  if (routing.length === 0)
    throw new UserError(`--source ${options.source} has no mapping file in ${options.mappings}`);
  const ref: ReplicationRef = options.replicationConfigArn
    ? { arn: options.replicationConfigArn }
    : { stage: options.stage as string, source: options.source };
  const client = new DatabaseMigrationServiceClient(options.region ? { region: options.region } : {});
  return { client, ref, routing };
}

/** Turns what an operator can fix (wrong stage, replication still stopping) into one line. */
async function run<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ReplicationNotFoundError || error instanceof ReplicationStateError) {
      throw new UserError(error.message);
    }
    const { name, message, $metadata } = error as Error & { $metadata?: unknown };
    if ($metadata) throw new UserError(`DMS call failed: ${name}: ${message}`);
    throw error;
  }
}

function renderStatus(status: ReplicationStatus): string {
  const lines = [
    `${status.identifier} (${status.replicationType ?? 'replication'}): ${status.status}${status.stopReason ? ` — ${status.stopReason}` : ''}`,
    `  ${status.arn}`,
    ...(status.cdcStartTime ? [`  CDC start time: ${status.cdcStartTime.toISOString()}`] : []),
    ...(status.startDate ? [`  started: ${status.startDate.toISOString()}`] : []),
    ...status.failureMessages.map((message) => `  failure: ${message}`),
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
