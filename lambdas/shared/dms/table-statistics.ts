import {
  type DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
  type TableStatistics,
} from '@aws-sdk/client-database-migration-service';

/** One table's counters as DescribeTableStatistics reports them (AWS API reference, TableStatistics). */
export interface DmsTableStatistics {
  schema: string;
  table: string;
  /** e.g. `Table completed`, `Full load`, `Table error`, `Table cancelled`. */
  state: string;
  fullLoadRows: number;
  inserts: number;
  updates: number;
  deletes: number;
  /** When the table's latest full load (or reload) started; the changelog is compared from here. */
  fullLoadStartTime?: Date;
  /** "The time when the full load operation completed" (TableStatistics): absent while it runs. */
  fullLoadEndTime?: Date;
  /** When DMS last updated this statistics record (not the last change to the table). */
  lastUpdateTime?: Date;
  /** True when the table was reloaded rather than loaded by the task's full load. */
  reloaded: boolean;
}

export interface DmsTaskView {
  identifier: string;
  /** Undefined when no task of that identifier exists (not deployed yet, or another stage). */
  arn?: string;
  status?: string;
  stopReason?: string;
  lastFailureMessage?: string;
  tables: DmsTableStatistics[];
}

const routeOf = (schema: string, table: string): string => `${schema}.${table}`;

/** Every page of DescribeTableStatistics of a task (Marker paging; MaxRecords is at most 500). */
export async function describeTableStatistics(
  dms: DatabaseMigrationServiceClient,
  taskArn: string,
): Promise<TableStatistics[]> {
  const all: TableStatistics[] = [];
  let marker: string | undefined;
  do {
    const page = await dms.send(
      new DescribeTableStatisticsCommand({
        ReplicationTaskArn: taskArn,
        MaxRecords: 500,
        ...(marker ? { Marker: marker } : {}),
      }),
    );
    all.push(...(page.TableStatistics ?? []));
    marker = page.Marker;
  } while (marker);
  return all;
}

/**
 * The replication task `identifier` (`dms2bq-<stage>-<source>`) and the statistics of every table
 * it replicates. DescribeTableStatistics pages with Marker; MaxRecords is at most 500.
 */
export async function readReplicationTask(
  dms: DatabaseMigrationServiceClient,
  identifier: string,
): Promise<DmsTaskView> {
  const { ReplicationTasks = [] } = await dms.send(
    new DescribeReplicationTasksCommand({
      Filters: [{ Name: 'replication-task-id', Values: [identifier] }],
      WithoutSettings: true,
    }),
  );
  const task = ReplicationTasks.find((candidate) => candidate.ReplicationTaskIdentifier === identifier);
  if (!task?.ReplicationTaskArn) return { identifier, tables: [] };
  const tables = (await describeTableStatistics(dms, task.ReplicationTaskArn)).map(tableStatistics);
  return {
    identifier,
    arn: task.ReplicationTaskArn,
    ...(task.Status ? { status: task.Status } : {}),
    ...(task.StopReason ? { stopReason: task.StopReason } : {}),
    ...(task.LastFailureMessage ? { lastFailureMessage: task.LastFailureMessage } : {}),
    tables,
  };
}

function tableStatistics(statistics: TableStatistics): DmsTableStatistics {
  return {
    schema: statistics.SchemaName ?? '',
    table: statistics.TableName ?? '',
    state: statistics.TableState ?? 'unknown',
    fullLoadRows: statistics.FullLoadRows ?? 0,
    inserts: statistics.Inserts ?? 0,
    updates: statistics.Updates ?? 0,
    deletes: statistics.Deletes ?? 0,
    ...(statistics.FullLoadStartTime ? { fullLoadStartTime: statistics.FullLoadStartTime } : {}),
    ...(statistics.FullLoadEndTime ? { fullLoadEndTime: statistics.FullLoadEndTime } : {}),
    ...(statistics.LastUpdateTime ? { lastUpdateTime: statistics.LastUpdateTime } : {}),
    reloaded: statistics.FullLoadReloaded === true,
  };
}

/** The statistics of `<schema>.<table>`; DMS may report MySQL names in another case. */
export function statisticsFor(
  task: DmsTaskView,
  schema: string,
  table: string,
): DmsTableStatistics | undefined {
  const wanted = routeOf(schema, table).toLowerCase();
  return task.tables.find((entry) => routeOf(entry.schema, entry.table).toLowerCase() === wanted);
}
