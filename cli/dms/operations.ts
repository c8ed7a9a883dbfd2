import {
  type DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  type Filter,
  ReloadTablesCommand,
  type ReplicationTask,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { describeTableStatistics } from '../../lambdas/shared/dms/table-statistics.js';
import { replicationTaskIdentifier } from '../../lambdas/shared/naming.js';

/**
 * Operations on a source's provisioned DMS replication task (ADR 0014). The task of source `S` in
 * stage `T` is named `dms2bq-T-S`, lower-cased with every character DMS does not allow made a hyphen
 * and runs of hyphens collapsed: stage `prod`, source `casino_a` → `dms2bq-prod-casino-a`. The
 * deploy's custom resource creates it under that name; an operator can always pass the ARN (stack
 * output `ReplicationTaskArn<source>`) instead.
 */
export type TaskRef = { arn: string } | { stage: string; source: string };

export { replicationTaskIdentifier };

/** No task matches the reference; the message says what was looked up. */
export class TaskNotFoundError extends Error {
  override name = 'TaskNotFoundError';
}

/** The task is not in a state the operation accepts, and did not reach one in time. */
export class TaskStateError extends Error {
  override name = 'TaskStateError';
}

export interface FoundTask extends ReplicationTask {
  ReplicationTaskArn: string;
}

const describeRef = (ref: TaskRef): string =>
  'arn' in ref ? `ARN ${ref.arn}` : `identifier ${replicationTaskIdentifier(ref.stage, ref.source)}`;

export async function findTask(dms: DatabaseMigrationServiceClient, ref: TaskRef): Promise<FoundTask> {
  const filter: Filter =
    'arn' in ref
      ? { Name: 'replication-task-arn', Values: [ref.arn] }
      : { Name: 'replication-task-id', Values: [replicationTaskIdentifier(ref.stage, ref.source)] };
  let tasks: ReplicationTask[] = [];
  try {
    tasks =
      (await dms.send(new DescribeReplicationTasksCommand({ Filters: [filter], WithoutSettings: true })))
        .ReplicationTasks ?? [];
  } catch (error) {
    // DescribeReplicationTasks answers a filter that matches nothing with ResourceNotFoundFault.
    if ((error as Error).name !== 'ResourceNotFoundFault') throw error;
  }
  const [task] = tasks;
  if (!task?.ReplicationTaskArn) {
    throw new TaskNotFoundError(
      `no DMS replication task with ${describeRef(ref)} in this account and region (deployed?); check --stage/--source or pass --replication-task-arn`,
    );
  }
  return { ...task, ReplicationTaskArn: task.ReplicationTaskArn };
}

export interface TableStatus {
  table: string;
  state: string;
  inserts: number;
  updates: number;
  deletes: number;
  ddls: number;
  fullLoadRows: number;
  lastUpdateTime?: Date;
}

export interface TaskStatus {
  identifier: string;
  arn: string;
  status: string;
  migrationType?: string;
  stopReason?: string;
  lastFailureMessage?: string;
  /** Where CDC would resume: pass it to `dms resume --from-position` to restart from exactly here. */
  recoveryCheckpoint?: string;
  startDate?: Date;
  tables: TableStatus[];
}

export async function taskStatus(dms: DatabaseMigrationServiceClient, ref: TaskRef): Promise<TaskStatus> {
  const task = await findTask(dms, ref);
  const tables: TableStatus[] = (await describeTableStatistics(dms, task.ReplicationTaskArn)).map(
    (stats) => ({
      table: `${stats.SchemaName}.${stats.TableName}`,
      state: stats.TableState ?? 'unknown',
      inserts: stats.Inserts ?? 0,
      updates: stats.Updates ?? 0,
      deletes: stats.Deletes ?? 0,
      ddls: stats.Ddls ?? 0,
      fullLoadRows: stats.FullLoadRows ?? 0,
      ...(stats.LastUpdateTime ? { lastUpdateTime: stats.LastUpdateTime } : {}),
    }),
  );
  return {
    identifier: task.ReplicationTaskIdentifier ?? '',
    arn: task.ReplicationTaskArn,
    status: task.Status ?? 'unknown',
    ...(task.MigrationType ? { migrationType: task.MigrationType } : {}),
    ...(task.StopReason ? { stopReason: task.StopReason } : {}),
    ...(task.LastFailureMessage ? { lastFailureMessage: task.LastFailureMessage } : {}),
    ...(task.RecoveryCheckpoint ? { recoveryCheckpoint: task.RecoveryCheckpoint } : {}),
    ...(task.ReplicationTaskStats?.StartDate ? { startDate: task.ReplicationTaskStats.StartDate } : {}),
    tables: tables.sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0)),
  };
}

/**
 * Full load of one table again from the source (DMS writes new LOAD files; the loader loads them).
 * ReloadTables needs a running task (user guide, Reloading tables during a task).
 */
export async function reloadTable(
  dms: DatabaseMigrationServiceClient,
  ref: TaskRef,
  schema: string,
  table: string,
): Promise<string> {
  const task = await findTask(dms, ref);
  if ((task.Status ?? '').toLowerCase() !== 'running') {
    throw new TaskStateError(
      `${task.ReplicationTaskIdentifier} is ${task.Status}; DMS reloads tables only of a running task: resume it first (dms2bq dms resume)`,
    );
  }
  await dms.send(
    new ReloadTablesCommand({
      ReplicationTaskArn: task.ReplicationTaskArn,
      TablesToReload: [{ SchemaName: schema, TableName: table }],
      ReloadOption: 'data-reload',
    }),
  );
  return task.ReplicationTaskArn;
}

/** Where CDC restarts: the task's own checkpoint, a time (CdcStartTime) or a native position. */
export type CdcStart = { checkpoint: true } | { time: Date } | { position: string };

export interface ResumeOptions {
  /** `resume-processing` (default) keeps every table's state; `reload-target` loads all tables again. */
  startType?: 'resume-processing' | 'reload-target';
  pollMs?: number;
  /** How long to wait for a running task to stop. */
  stopTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onStatus?: (status: string) => void;
}

const STARTABLE = new Set(['stopped', 'failed']);

/**
 * Restarts CDC — from a time or a binlog position when the binlogs after the checkpoint were purged
 * (runbook dms-replication-stopped), or from the task's checkpoint. A running task is stopped first:
 * StartReplicationTask is refused while it runs.
 */
export async function resumeCdc(
  dms: DatabaseMigrationServiceClient,
  ref: TaskRef,
  from: CdcStart,
  options: ResumeOptions = {},
): Promise<string> {
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const pollMs = options.pollMs ?? 15_000;
  const maxPolls = Math.ceil((options.stopTimeoutMs ?? 30 * 60_000) / pollMs);
  let task = await findTask(dms, ref);
  const arn = task.ReplicationTaskArn;
  const status = () => (task.Status ?? 'unknown').toLowerCase();
  if (status() === 'ready') {
    throw new TaskStateError(
      `${task.ReplicationTaskIdentifier} has never run; its first start (start-replication) belongs to the deploy`,
    );
  }
  if (status() === 'running') {
    options.onStatus?.(`stopping ${task.ReplicationTaskIdentifier ?? arn} (running)`);
    await dms.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn }));
  }
  for (let polls = 0; !STARTABLE.has(status()); polls++) {
    if (polls >= maxPolls) {
      throw new TaskStateError(
        `${arn} is still ${status()}; nothing was started. Run dms2bq dms resume again once it has stopped.`,
      );
    }
    await sleep(pollMs);
    task = await findTask(dms, { arn });
    options.onStatus?.(`waiting for ${task.ReplicationTaskIdentifier ?? arn} to stop (${status()})`);
  }
  await dms.send(
    new StartReplicationTaskCommand({
      ReplicationTaskArn: arn,
      StartReplicationTaskType: options.startType ?? 'resume-processing',
      ...('time' in from ? { CdcStartTime: from.time } : {}),
      ...('position' in from ? { CdcStartPosition: from.position } : {}),
    }),
  );
  return arn;
}
