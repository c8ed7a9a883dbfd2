import {
  type DatabaseMigrationServiceClient,
  DescribeReplicationsCommand,
  DescribeReplicationTableStatisticsCommand,
  type Filter,
  ReloadReplicationTablesCommand,
  type Replication,
  StartReplicationCommand,
  StopReplicationCommand,
} from '@aws-sdk/client-database-migration-service';
import { replicationConfigIdentifier } from '../../lambdas/shared/naming.js';

/**
 * Operations on a source's DMS Serverless replication. The replication config of source `S` in
 * deployment stage `T` has the ReplicationConfigIdentifier `dms2bq-T-S`, lower-cased with every
 * character DMS does not allow (anything but letters, digits, hyphens) made a hyphen and runs of
 * hyphens collapsed: stage `prod`, source `casino_a` → `dms2bq-prod-casino-a`. infra/ names it so
 * (stack `Dms2Bq-<stage>`); an operator can always pass the ARN (stack output) instead.
 */
export type ReplicationRef = { arn: string } | { stage: string; source: string };

export { replicationConfigIdentifier };

/** No replication matches the reference; the message says what was looked up. */
export class ReplicationNotFoundError extends Error {
  override name = 'ReplicationNotFoundError';
}

/** The replication did not reach a startable state in time; nothing was started. */
export class ReplicationStateError extends Error {
  override name = 'ReplicationStateError';
}

export interface FoundReplication extends Replication {
  ReplicationConfigArn: string;
}

const describeRef = (ref: ReplicationRef): string =>
  'arn' in ref ? `ARN ${ref.arn}` : `identifier ${replicationConfigIdentifier(ref.stage, ref.source)}`;

export async function findReplication(
  dms: DatabaseMigrationServiceClient,
  ref: ReplicationRef,
): Promise<FoundReplication> {
  const filter: Filter =
    'arn' in ref
      ? { Name: 'replication-config-arn', Values: [ref.arn] }
      : { Name: 'replication-config-id', Values: [replicationConfigIdentifier(ref.stage, ref.source)] };
  const { Replications = [] } = await dms.send(new DescribeReplicationsCommand({ Filters: [filter] }));
  const [replication] = Replications;
  if (!replication?.ReplicationConfigArn) {
    throw new ReplicationNotFoundError(
      `no DMS serverless replication with config ${describeRef(ref)} in this account and region (deployed and started once?); check --stage/--source or pass --replication-config-arn`,
    );
  }
  return { ...replication, ReplicationConfigArn: replication.ReplicationConfigArn };
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

export interface ReplicationStatus {
  identifier: string;
  arn: string;
  status: string;
  replicationType?: string;
  stopReason?: string;
  failureMessages: string[];
  cdcStartTime?: Date;
  startDate?: Date;
  tables: TableStatus[];
}

export async function replicationStatus(
  dms: DatabaseMigrationServiceClient,
  ref: ReplicationRef,
): Promise<ReplicationStatus> {
  const replication = await findReplication(dms, ref);
  const tables: TableStatus[] = [];
  let marker: string | undefined;
  do {
    const page = await dms.send(
      new DescribeReplicationTableStatisticsCommand({
        ReplicationConfigArn: replication.ReplicationConfigArn,
        MaxRecords: 500,
        ...(marker ? { Marker: marker } : {}),
      }),
    );
    for (const stats of page.ReplicationTableStatistics ?? []) {
      tables.push({
        table: `${stats.SchemaName}.${stats.TableName}`,
        state: stats.TableState ?? 'unknown',
        inserts: stats.Inserts ?? 0,
        updates: stats.Updates ?? 0,
        deletes: stats.Deletes ?? 0,
        ddls: stats.Ddls ?? 0,
        fullLoadRows: stats.FullLoadRows ?? 0,
        ...(stats.LastUpdateTime ? { lastUpdateTime: stats.LastUpdateTime } : {}),
      });
    }
    marker = page.Marker;
  } while (marker);
  return {
    identifier: replication.ReplicationConfigIdentifier ?? '',
    arn: replication.ReplicationConfigArn,
    status: replication.Status ?? 'unknown',
    ...(replication.ReplicationType ? { replicationType: replication.ReplicationType } : {}),
    ...(replication.StopReason ? { stopReason: replication.StopReason } : {}),
    failureMessages: replication.FailureMessages ?? [],
    ...(replication.CdcStartTime ? { cdcStartTime: replication.CdcStartTime } : {}),
    ...(replication.ReplicationStats?.StartDate ? { startDate: replication.ReplicationStats.StartDate } : {}),
    tables: tables.sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0)),
  };
}

/** Full load of one table again from the source (DMS writes new LOAD files; the loader loads them). */
export async function reloadTable(
  dms: DatabaseMigrationServiceClient,
  ref: ReplicationRef,
  schema: string,
  table: string,
): Promise<string> {
  const { ReplicationConfigArn } = await findReplication(dms, ref);
  await dms.send(
    new ReloadReplicationTablesCommand({
      ReplicationConfigArn,
      TablesToReload: [{ SchemaName: schema, TableName: table }],
      ReloadOption: 'data-reload',
    }),
  );
  return ReplicationConfigArn;
}

export interface ResumeOptions {
  /** `resume-processing` (default) keeps the tables' state; `start-replication` starts over from `from`. */
  startType?: 'resume-processing' | 'start-replication';
  pollMs?: number;
  /** How long to wait for a running replication to stop. */
  stopTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onStatus?: (status: string) => void;
}

const RUNNING = new Set(['running', 'starting', 'provisioning', 'initializing']);
const STARTABLE = new Set(['stopped', 'failed', 'created', 'deprovisioned']);

/**
 * Restarts CDC from `from` (CdcStartTime) — the runbook for binlogs purged during an outage — or,
 * without `from`, from the replication's own checkpoint. A running replication is stopped first
 * (StartReplication is refused while it runs).
 */
export async function resumeCdc(
  dms: DatabaseMigrationServiceClient,
  ref: ReplicationRef,
  from: Date | undefined,
  options: ResumeOptions = {},
): Promise<string> {
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const pollMs = options.pollMs ?? 15_000;
  const maxPolls = Math.ceil((options.stopTimeoutMs ?? 30 * 60_000) / pollMs);
  let replication = await findReplication(dms, ref);
  const arn = replication.ReplicationConfigArn;
  const status = () => (replication.Status ?? 'unknown').toLowerCase();
  if (RUNNING.has(status())) {
    options.onStatus?.(`stopping ${replication.ReplicationConfigIdentifier ?? arn} (${status()})`);
    await dms.send(new StopReplicationCommand({ ReplicationConfigArn: arn }));
  }
  for (let polls = 0; !STARTABLE.has(status()); polls++) {
    if (polls >= maxPolls) {
      throw new ReplicationStateError(
        `${arn} is still ${status()}; nothing was started. Run dms2bq dms resume again once it has stopped.`,
      );
    }
    await sleep(pollMs);
    replication = await findReplication(dms, { arn });
    options.onStatus?.(`waiting for ${replication.ReplicationConfigIdentifier ?? arn} to stop (${status()})`);
  }
  await dms.send(
    new StartReplicationCommand({
      ReplicationConfigArn: arn,
      StartReplicationType: options.startType ?? 'resume-processing',
      ...(from ? { CdcStartTime: from } : {}),
    }),
  );
  return arn;
}
