import {
  CreateEndpointCommand,
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DeleteEndpointCommand,
  DeleteReplicationTaskCommand,
  DescribeConnectionsCommand,
  DescribeEndpointsCommand,
  DescribeReplicationTaskAssessmentRunsCommand,
  DescribeReplicationTaskIndividualAssessmentsCommand,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
  type Endpoint,
  InvalidOperationFault,
  InvalidResourceStateFault,
  ModifyEndpointCommand,
  ModifyReplicationTaskCommand,
  ReloadTablesCommand,
  type ReplicationTask,
  ResourceAlreadyExistsFault,
  ResourceNotFoundFault,
  StartReplicationTaskAssessmentRunCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  type TableStatistics,
  type Tag,
  TestConnectionCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * The DMS control plane for provisioned replication tasks, behind aws-sdk-client-mock, keeping the
 * state rules AWS documents for each call the project makes. Asynchronous transitions (creating,
 * starting, stopping, modifying, deleting, table loads) advance only on `tick()`, one step per tick,
 * so a test decides exactly what DMS has done between two polls.
 *
 * Sources, cited per rule below:
 * - [status] API reference, ReplicationTask.Status (creating, ready, starting, running, stopping,
 *   stopped, modifying, deleting, failed, …) https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationTask.html
 * - [modify] API reference, ModifyReplicationTask: "The task must be stopped before you can modify it."
 *   User guide, Modifying a task: "Tasks that have run must have a status of Stopped or Failed to be
 *   modified." "You can't change the migration type of a task."
 * - [start] API reference, StartReplicationTask: "start-replication is the only valid action that can
 *   be used for the first time a task … is run"; "resume-processing is only available for
 *   previously executed tasks"; reload-target loads all tables again.
 * - [reload] User guide, Reloading tables during a task: "The task must be running." "You can reload
 *   up to 10 tables from a task." "Reloading tables does not stop the task."
 * - [errors] Each API page's Errors: InvalidResourceStateFault ("The resource is in a state that
 *   prevents it from being used for database migration"), ResourceNotFoundFault, ResourceAlreadyExistsFault.
 * - [endpoint-modify] Not documented by AWS: changing an endpoint that a running task uses is refused
 *   until the task is stopped (hashicorp/terraform-provider-aws#27661, whose fix #34316 stops the tasks
 *   around ModifyEndpoint). The fake takes the stricter reading: refused while any task using the
 *   endpoint is anything but ready, stopped or failed.
 * - [endpoint-test] Reported, not documented: ModifyEndpoint starts a connection test of the endpoint,
 *   and StartReplicationTask while it runs is refused with "Replication Task cannot be started,
 *   invalid state" (terraform-provider-aws#46139 and the acceptance run in #46516). The test reads
 *   `testing` in DescribeConnections for one tick.
 * - [endpoint-delete] API reference, DeleteEndpoint: "All tasks associated with the endpoint must be
 *   deleted before you can delete the endpoint."
 * - [connection] TestConnection is refused unless the replication instance is available; the test
 *   reads `testing` in DescribeConnections until it is `successful` or `failed` (doctor).
 * - [stats] API reference, ReplicationTaskStats (https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationTaskStats.html):
 *   StartDate "The date the replication task was started either with a fresh start or a resume";
 *   FreshStartDate "… either with a fresh start or a target reload"; StopDate "The date the
 *   replication task was stopped". ReplicationTask.ReplicationTaskStartDate is only "The date the
 *   replication task is scheduled to start": nothing documents it changing on a start or a resume,
 *   so the fake leaves it as created (unset) and code must not read starts from it.
 * - [statistics] API reference, TableStatistics: FullLoadStartTime "The time when the full load
 *   operation started", FullLoadEndTime "The time when the full load operation completed",
 *   FullLoadReloaded "A value that indicates if the table was reloaded (true) or loaded as part of a
 *   new full load operation (false)", FullLoadRows "The number of rows added during the full load
 *   operation". https://docs.aws.amazon.com/dms/latest/APIReference/API_TableStatistics.html
 *   Whether FullLoadRows restarts with a reload is not documented: the fake counts the latest load's
 *   rows (`sourceRows`); the reload cleanup waits, and so deletes nothing, under the other reading.
 *   Which TableState a reload shows ("Full load" or "Table is being reloaded", both listed valid
 *   states) is not documented: the fake shows "Full load"; the pipeline trusts only "Table completed".
 * - [assessment] An assessment run needs ServiceAccessRoleArn and ResultLocationBucket, goes
 *   provisioning → running → passed/failed, one individual assessment per IncludeOnly key (doctor).
 */
export interface DmsFakeOptions {
  /**
   * Whether resume-processing starts a full load of tables newly added to the selection rules. AWS
   * does not document it either way (ADR 0014); the handler must be correct in both worlds.
   */
  loadsAddedTablesOnResume?: boolean;
  /** Ticks a full load or reload of one table takes (default 1). */
  loadTicks?: number;
  /** Ticks StopReplicationTask stays `stopping` (default 1): a stop that outlasts a deploy's bound. */
  stopTicks?: number;
  /**
   * S3 settings DescribeEndpoints leaves out. AWS does not document which settings it returns
   * (ADR 0033); the handler must not loop on one it cannot read back.
   */
  unreturnedS3Settings?: string[];
}

interface FakeEndpoint {
  endpoint: Endpoint;
  tags: Tag[];
  /** Ticks its connection test still reads `testing`; the outcome after. */
  testing: number;
  outcome: { status: 'successful' | 'failed'; message?: string };
}

/** Commands a test can make fail once, the way DMS or the network would. */
export type FailableCall =
  | 'StopReplicationTask'
  | 'ModifyEndpoint'
  | 'ModifyReplicationTask'
  | 'StartReplicationTask';

interface FakeTask {
  task: ReplicationTask;
  /** The status a transitional status resolves to once `ticks` reaches 0. */
  next?: string;
  ticks?: number;
  tags: Tag[];
  everRun: boolean;
  tables: Map<string, string>;
  /** Ticks left of each table's running load. */
  loading: Map<string, number>;
  /** The latest full load (or reload) of each table, as DescribeTableStatistics reports it. */
  loads: Map<string, TableLoad>;
}

/** [statistics] The FullLoad* fields of a table's TableStatistics. */
interface TableLoad {
  start: Date;
  end?: Date;
  reloaded: boolean;
  rows: number;
}

const meta = { $metadata: {} };
const notFound = (what: string) => new ResourceNotFoundFault({ message: `${what} not found`, ...meta });
const badState = (task: ReplicationTask, call: string) =>
  new InvalidResourceStateFault({
    message: `${call}: task ${task.ReplicationTaskIdentifier} is ${task.Status}`,
    ...meta,
  });

/** Settings DMS fills in whatever the request sets, so reads return more than was written. */
const DEFAULT_SETTINGS = {
  TargetMetadata: { ParallelLoadThreads: 0, LobChunkSize: 64 },
  FullLoadSettings: { CommitRate: 10000 },
  Logging: {
    EnableLogging: false,
    LogComponents: [
      'TRANSFORMATION',
      'SOURCE_UNLOAD',
      'IO',
      'TARGET_LOAD',
      'PERFORMANCE',
      'SOURCE_CAPTURE',
      'SORTER',
      'REST_SERVER',
      'VALIDATOR_EXT',
      'TARGET_APPLY',
      'TASK_MANAGER',
      'TABLES_MANAGER',
      'METADATA_MANAGER',
      'FILE_FACTORY',
      'COMMON',
      'ADDONS',
      'DATA_STRUCTURE',
      'COMMUNICATION',
      'FILE_TRANSFER',
    ].map((Id) => ({ Id, Severity: 'LOGGER_SEVERITY_DEFAULT' })),
  },
};

const merge = (base: unknown, over: unknown): unknown => {
  if (Array.isArray(base) && Array.isArray(over)) {
    const byId = new Map(base.map((item) => [(item as { Id?: string }).Id, item]));
    for (const item of over) byId.set((item as { Id?: string }).Id, item);
    return [...byId.values()];
  }
  if (base && over && typeof base === 'object' && typeof over === 'object') {
    const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [key, value] of Object.entries(over)) result[key] = merge(result[key], value);
    return result;
  }
  return over ?? base;
};

const selected = (tableMappings: string): string[] =>
  ((JSON.parse(tableMappings) as { rules?: Record<string, unknown>[] }).rules ?? [])
    .filter((rule) => rule['rule-type'] === 'selection' && rule['rule-action'] === 'include')
    .map((rule) => {
      const locator = rule['object-locator'] as Record<string, string>;
      const plain = (name = '') => name.replace(/\[([_%])\]/g, '$1');
      return `${plain(locator['schema-name'])}.${plain(locator['table-name'])}`;
    });

export class DmsFake {
  readonly mock = mockClient(DatabaseMigrationServiceClient);
  private readonly tasks = new Map<string, FakeTask>();
  private readonly endpoints = new Map<string, FakeEndpoint>();
  private readonly injected = new Map<FailableCall, Error>();
  private readonly runs = new Map<string, { polls: number; keys: string[] }>();
  private clock = Date.parse('2026-11-30T08:00:00Z');
  private serial = 0;
  /** When set, the next task that starts fails with this message instead of running. */
  failNextStart: string | undefined;
  /** Every table load (full load or reload) DMS started, in order. */
  readonly loadHistory: string[] = [];
  /** ReplicationInstanceStatus; TestConnection needs `available`. */
  instanceStatus = 'available';
  /** Status of each individual premigration assessment by API key; absent ones pass. */
  readonly assessments: Record<string, string> = {};
  /** Rows in each source table (`schema.table`): what a load of it reports as FullLoadRows. */
  readonly sourceRows: Record<string, number> = {};

  constructor(private readonly options: DmsFakeOptions = {}) {
    this.mock.on(CreateEndpointCommand).callsFake((input) => this.createEndpoint(input));
    this.mock.on(DescribeEndpointsCommand).callsFake((input) => this.describeEndpoints(input));
    this.mock.on(ModifyEndpointCommand).callsFake((input) => this.modifyEndpoint(input));
    this.mock.on(DeleteEndpointCommand).callsFake((input) => this.deleteEndpoint(input));
    this.mock.on(TestConnectionCommand).callsFake((input) => this.testConnection(input));
    this.mock.on(DescribeConnectionsCommand).callsFake((input) => this.describeConnections(input));
    this.mock.on(StartReplicationTaskAssessmentRunCommand).callsFake((input) => this.startAssessment(input));
    this.mock
      .on(DescribeReplicationTaskAssessmentRunsCommand)
      .callsFake((input) => this.describeAssessment(input));
    this.mock
      .on(DescribeReplicationTaskIndividualAssessmentsCommand)
      .callsFake((input) => this.describeIndividualAssessments(input));
    this.mock.on(CreateReplicationTaskCommand).callsFake((input) => this.create(input));
    this.mock.on(DescribeReplicationTasksCommand).callsFake((input) => this.describe(input));
    this.mock.on(StartReplicationTaskCommand).callsFake((input) => this.start(input));
    this.mock.on(StopReplicationTaskCommand).callsFake((input) => this.stop(input));
    this.mock.on(ModifyReplicationTaskCommand).callsFake((input) => this.modify(input));
    this.mock.on(DeleteReplicationTaskCommand).callsFake((input) => this.delete(input));
    this.mock.on(DescribeTableStatisticsCommand).callsFake((input) => this.statistics(input));
    this.mock.on(ReloadTablesCommand).callsFake((input) => this.reload(input));
  }

  now = (): number => this.clock;

  /** A task that has run before and is now `status`, every selected table loaded: a deployed source. */
  seed(identifier: string, tableMappings: string, status: 'running' | 'stopped' | 'failed'): string {
    const endpoint = (type: 'source' | 'target') =>
      this.createEndpoint({
        EndpointIdentifier: `${identifier}-${type}`,
        EndpointType: type,
        EngineName: type === 'source' ? 'mysql' : 's3',
      }).Endpoint.EndpointArn;
    const { ReplicationTask } = this.create({
      ReplicationTaskIdentifier: identifier,
      ReplicationInstanceArn: 'arn:aws:dms:eu-west-1:111111111111:rep:INSTANCE',
      SourceEndpointArn: endpoint('source'),
      TargetEndpointArn: endpoint('target'),
      MigrationType: 'full-load-and-cdc',
      TableMappings: tableMappings,
      ReplicationTaskSettings: '{}',
    });
    const arn = ReplicationTask.ReplicationTaskArn as string;
    const entry = this.entry(arn);
    entry.next = undefined;
    entry.everRun = true;
    entry.task.Status = status;
    entry.task.ReplicationTaskStats = {
      StartDate: new Date(this.clock),
      FreshStartDate: new Date(this.clock),
    };
    for (const table of selected(tableMappings)) entry.tables.set(table, 'Table completed');
    return arn;
  }

  /** DMS's asynchronous work between two polls: every pending transition and table load takes one step. */
  tick(seconds = 30): void {
    this.clock += seconds * 1000;
    for (const [arn, entry] of this.tasks) {
      for (const [table, left] of entry.loading) {
        if (left > 1) entry.loading.set(table, left - 1);
        else {
          entry.loading.delete(table);
          entry.tables.set(table, 'Table completed');
          const load = entry.loads.get(table);
          if (load) load.end = new Date(this.clock);
        }
      }
      if (entry.ticks && entry.ticks > 1) {
        entry.ticks--;
        continue;
      }
      entry.ticks = undefined;
      if (entry.next === 'deleted') this.tasks.delete(arn);
      else if (entry.next) {
        if (entry.next === 'running' && this.failNextStart) {
          entry.next = 'failed';
          entry.task.LastFailureMessage = this.failNextStart;
          this.failNextStart = undefined;
        }
        entry.task.Status = entry.next;
        entry.next = undefined;
        if (entry.task.Status === 'stopped') {
          entry.task.StopReason = 'Stop Reason NORMAL';
          entry.task.ReplicationTaskStats = {
            ...entry.task.ReplicationTaskStats,
            StopDate: new Date(this.clock),
          };
        }
      }
    }
    for (const endpoint of this.endpoints.values()) {
      if (endpoint.testing > 0) endpoint.testing--;
    }
  }

  /** Runs ticks until no task is in a transitional status (at most `limit`). */
  settle(limit = 10): void {
    for (let i = 0; i < limit && [...this.tasks.values()].some((entry) => entry.next); i++) this.tick();
  }

  task(identifier: string): ReplicationTask | undefined {
    return [...this.tasks.values()].find((entry) => entry.task.ReplicationTaskIdentifier === identifier)
      ?.task;
  }

  tableStates(identifier: string): Record<string, string> {
    const entry = [...this.tasks.values()].find((e) => e.task.ReplicationTaskIdentifier === identifier);
    return Object.fromEntries(entry?.tables ?? []);
  }

  /** What an outage does: a running task fails with a message (e.g. binlog purged). */
  failTask(identifier: string, message: string): void {
    const entry = this.entryById(identifier);
    entry.task.Status = 'failed';
    entry.task.LastFailureMessage = message;
  }

  /** The next `call` fails with `error` (once), before DMS changes anything. */
  failNext(call: FailableCall, error: Error): void {
    this.injected.set(call, error);
  }

  endpoint(identifier: string): Endpoint | undefined {
    return [...this.endpoints.values()].find((e) => e.endpoint.EndpointIdentifier === identifier)?.endpoint;
  }

  tagsOf(arn: string): Tag[] {
    return this.tasks.get(arn)?.tags ?? this.endpoints.get(arn)?.tags ?? [];
  }

  /** How the next connection test of the endpoint ends (DescribeConnections). */
  connectionOutcome(endpointArn: string, status: 'successful' | 'failed', message?: string): void {
    const endpoint = this.endpoints.get(endpointArn);
    if (!endpoint) throw new Error(`fake: no endpoint ${endpointArn}`);
    endpoint.outcome = { status, message };
  }

  private consume(call: FailableCall): void {
    const error = this.injected.get(call);
    if (!error) return;
    this.injected.delete(call);
    throw error;
  }

  /** An operator's `dms2bq dms reload` of one table, through the same API rule as the handler's. */
  reloadTable(identifier: string, table: string): void {
    const [SchemaName = '', TableName = ''] = table.split('.');
    this.reload({
      ReplicationTaskArn: this.entryById(identifier).task.ReplicationTaskArn,
      TablesToReload: [{ SchemaName, TableName }],
    });
  }

  calls(): string[] {
    return this.mock
      .calls()
      .map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name);
  }

  private entryById(identifier: string): FakeTask {
    const entry = [...this.tasks.values()].find((e) => e.task.ReplicationTaskIdentifier === identifier);
    if (!entry) throw new Error(`fake: no task ${identifier}`);
    return entry;
  }

  private entry(arn: string | undefined): FakeTask {
    const entry = this.tasks.get(arn ?? '');
    if (!entry) throw notFound(`replication task ${arn}`);
    return entry;
  }

  private load(entry: FakeTask, table: string, reloaded = false): void {
    this.loadHistory.push(table);
    entry.loads.set(table, { start: new Date(this.clock), reloaded, rows: this.sourceRows[table] ?? 0 });
    entry.tables.set(table, 'Full load');
    entry.loading.set(table, this.options.loadTicks ?? 1);
  }

  private create(input: CreateReplicationTaskCommand['input']) {
    if (this.task(input.ReplicationTaskIdentifier ?? '')) {
      throw new ResourceAlreadyExistsFault({ message: `${input.ReplicationTaskIdentifier} exists`, ...meta });
    }
    const arn = `arn:aws:dms:eu-west-1:111111111111:task:FAKE${String(++this.serial).padStart(4, '0')}`;
    const task: ReplicationTask = {
      ReplicationTaskIdentifier: input.ReplicationTaskIdentifier,
      ReplicationTaskArn: arn,
      ReplicationInstanceArn: input.ReplicationInstanceArn,
      SourceEndpointArn: input.SourceEndpointArn,
      TargetEndpointArn: input.TargetEndpointArn,
      MigrationType: input.MigrationType,
      TableMappings: input.TableMappings,
      ReplicationTaskSettings: JSON.stringify(
        merge(DEFAULT_SETTINGS, JSON.parse(input.ReplicationTaskSettings ?? '{}')),
      ),
      Status: 'creating',
      ReplicationTaskCreationDate: new Date(this.clock),
    };
    // [status] "creating" – then "ready", which "usually follows the creating status".
    for (const endpointArn of [input.SourceEndpointArn, input.TargetEndpointArn]) {
      if (!this.endpoints.has(endpointArn ?? '')) throw notFound(`endpoint ${endpointArn}`);
    }
    this.tasks.set(arn, {
      task,
      next: 'ready',
      everRun: false,
      tables: new Map(),
      loading: new Map(),
      loads: new Map(),
      tags: input.Tags ?? [],
    });
    return { ReplicationTask: { ...task } };
  }

  private describe(input: DescribeReplicationTasksCommand['input']) {
    const filter = input.Filters?.[0];
    const matches = [...this.tasks.values()]
      .map((entry) => entry.task)
      .filter((task) =>
        filter?.Name === 'replication-task-arn'
          ? filter.Values?.includes(task.ReplicationTaskArn as string)
          : filter?.Name === 'replication-task-id'
            ? filter.Values?.includes(task.ReplicationTaskIdentifier as string)
            : true,
      );
    // [errors] DescribeReplicationTasks lists ResourceNotFoundFault for filters that match nothing.
    if (matches.length === 0) throw notFound('replication tasks matching the filters');
    // [describe] API reference, DescribeReplicationTasks: WithoutSettings "An option to set to avoid
    // returning information about settings … choose true; otherwise, choose false (the default)."
    const strip = input.WithoutSettings === true;
    return {
      ReplicationTasks: matches.map(({ ReplicationTaskSettings, ...task }) =>
        strip ? task : { ...task, ReplicationTaskSettings },
      ),
    };
  }

  private start(input: StartReplicationTaskCommand['input']) {
    const entry = this.entry(input.ReplicationTaskArn);
    const { task } = entry;
    // [status] only a task at rest can be started; [errors] InvalidResourceStateFault otherwise.
    this.consume('StartReplicationTask');
    if (!['ready', 'stopped', 'failed'].includes(task.Status as string))
      throw badState(task, 'StartReplicationTask');
    // [endpoint-test] refused while a connection test of one of its endpoints runs.
    for (const endpointArn of [task.SourceEndpointArn, task.TargetEndpointArn]) {
      if ((this.endpoints.get(endpointArn ?? '')?.testing ?? 0) > 0) {
        throw new InvalidResourceStateFault({
          message: 'Replication Task cannot be started, invalid state',
          ...meta,
        });
      }
    }
    const type = input.StartReplicationTaskType;
    // [start] the first run must be start-replication; the others are for previously executed tasks.
    // DMS documents "data errors" rather than a refusal; the fake refuses, so a test sees the misuse.
    if (entry.everRun === (type === 'start-replication')) {
      throw new InvalidOperationFault({
        message: `StartReplicationTask: ${type} is not valid for a task that has ${entry.everRun ? '' : 'never '}run`,
        ...meta,
      });
    }
    const wanted = selected(task.TableMappings as string);
    for (const table of [...entry.tables.keys()]) {
      if (!wanted.includes(table)) {
        entry.tables.delete(table);
        entry.loading.delete(table);
      }
    }
    for (const table of wanted) {
      const fresh = !entry.tables.has(table);
      const loads =
        type !== 'resume-processing' || (fresh && (this.options.loadsAddedTablesOnResume ?? true));
      if (loads) this.load(entry, table);
    }
    entry.everRun = true;
    task.Status = 'starting';
    // [stats] every start or resume moves StartDate; only a fresh start or a target reload FreshStartDate.
    const now = new Date(this.clock);
    const fresh = type === 'resume-processing' ? task.ReplicationTaskStats?.FreshStartDate : now;
    task.ReplicationTaskStats = {
      ...task.ReplicationTaskStats,
      StartDate: now,
      ...(fresh ? { FreshStartDate: fresh } : {}),
      StopDate: undefined,
    };
    task.LastFailureMessage = undefined;
    entry.next = 'running';
    return { ReplicationTask: { ...task } };
  }

  private stop(input: StopReplicationTaskCommand['input']) {
    const entry = this.entry(input.ReplicationTaskArn);
    const { task } = entry;
    // [status] "stopping – The task is preparing to stop in response to … StopReplicationTask".
    this.consume('StopReplicationTask');
    if (task.Status !== 'running') throw badState(task, 'StopReplicationTask');
    task.Status = 'stopping';
    entry.next = 'stopped';
    entry.ticks = this.options.stopTicks ?? 1;
    return { ReplicationTask: { ...task } };
  }

  private modify(input: ModifyReplicationTaskCommand['input']) {
    const entry = this.entry(input.ReplicationTaskArn);
    const { task } = entry;
    // [modify] stopped or failed once it has run; a task that never ran is ready.
    this.consume('ModifyReplicationTask');
    const allowed = entry.everRun ? ['stopped', 'failed'] : ['ready'];
    if (!allowed.includes(task.Status as string)) throw badState(task, 'ModifyReplicationTask');
    if (input.MigrationType && input.MigrationType !== task.MigrationType) {
      throw new InvalidOperationFault({ message: "can't change the migration type", ...meta });
    }
    if (input.TableMappings) task.TableMappings = input.TableMappings;
    if (input.ReplicationTaskSettings) {
      task.ReplicationTaskSettings = JSON.stringify(
        merge(JSON.parse(task.ReplicationTaskSettings ?? '{}'), JSON.parse(input.ReplicationTaskSettings)),
      );
    }
    entry.next = task.Status;
    task.Status = 'modifying';
    return { ReplicationTask: { ...task } };
  }

  private delete(input: DeleteReplicationTaskCommand['input']) {
    const entry = this.entry(input.ReplicationTaskArn);
    if (!['ready', 'stopped', 'failed'].includes(entry.task.Status as string)) {
      throw badState(entry.task, 'DeleteReplicationTask');
    }
    entry.task.Status = 'deleting';
    entry.next = 'deleted';
    return { ReplicationTask: { ...entry.task } };
  }

  private statistics(input: DescribeTableStatisticsCommand['input']) {
    const entry = this.entry(input.ReplicationTaskArn);
    const TableStatistics: TableStatistics[] = [...entry.tables].map(([name, TableState]) => {
      const [SchemaName, TableName] = name.split('.');
      const load = entry.loads.get(name);
      return {
        SchemaName,
        TableName,
        TableState,
        Inserts: 0,
        Updates: 0,
        Deletes: 0,
        FullLoadRows: load?.rows ?? 0,
        ...(load
          ? {
              FullLoadStartTime: load.start,
              FullLoadReloaded: load.reloaded,
              ...(load.end ? { FullLoadEndTime: load.end } : {}),
            }
          : {}),
      };
    });
    return { ReplicationTaskArn: input.ReplicationTaskArn, TableStatistics };
  }

  private reload(input: ReloadTablesCommand['input']) {
    const entry = this.entry(input.ReplicationTaskArn);
    // [reload] the task must be running, at most 10 tables, full-load or full-load-and-cdc.
    if (entry.task.Status !== 'running') throw badState(entry.task, 'ReloadTables');
    if ((input.TablesToReload ?? []).length > 10) {
      throw new InvalidOperationFault({ message: 'up to 10 tables per reload', ...meta });
    }
    for (const { SchemaName, TableName } of input.TablesToReload ?? []) {
      this.load(entry, `${SchemaName}.${TableName}`, true);
    }
    return { ReplicationTaskArn: input.ReplicationTaskArn };
  }

  private tasksUsing(endpointArn: string): ReplicationTask[] {
    return [...this.tasks.values()]
      .map((entry) => entry.task)
      .filter((task) => task.SourceEndpointArn === endpointArn || task.TargetEndpointArn === endpointArn);
  }

  private createEndpoint(input: CreateEndpointCommand['input']) {
    if (this.endpoint(input.EndpointIdentifier ?? '')) {
      throw new ResourceAlreadyExistsFault({ message: `${input.EndpointIdentifier} exists`, ...meta });
    }
    const arn = `arn:aws:dms:eu-west-1:111111111111:endpoint:FAKE${String(++this.serial).padStart(4, '0')}`;
    const { Tags, ...settings } = input;
    const endpoint: Endpoint = {
      ...settings,
      EndpointType: input.EndpointType?.toUpperCase() as Endpoint['EndpointType'],
      EndpointArn: arn,
      Status: 'active',
    };
    this.endpoints.set(arn, { endpoint, tags: Tags ?? [], testing: 0, outcome: { status: 'successful' } });
    return { Endpoint: { ...endpoint } };
  }

  private describeEndpoints(input: DescribeEndpointsCommand['input']) {
    const filter = input.Filters?.[0];
    const matches = [...this.endpoints.values()]
      .map((entry) => entry.endpoint)
      .filter((endpoint) =>
        filter?.Name === 'endpoint-arn'
          ? filter.Values?.includes(endpoint.EndpointArn as string)
          : filter?.Name === 'endpoint-id'
            ? filter.Values?.includes(endpoint.EndpointIdentifier as string)
            : true,
      );
    if (matches.length === 0) throw notFound('endpoints matching the filters');
    const returned = (settings: Endpoint['S3Settings']) =>
      settings &&
      Object.fromEntries(
        Object.entries(settings).filter(([key]) => !this.options.unreturnedS3Settings?.includes(key)),
      );
    return {
      Endpoints: matches.map((endpoint) => ({ ...endpoint, S3Settings: returned(endpoint.S3Settings) })),
    };
  }

  private modifyEndpoint(input: ModifyEndpointCommand['input']) {
    const entry = this.endpoints.get(input.EndpointArn ?? '');
    if (!entry) throw notFound(`endpoint ${input.EndpointArn}`);
    this.consume('ModifyEndpoint');
    // [endpoint-modify] the stricter reading: every task using it must be at rest.
    const busy = this.tasksUsing(entry.endpoint.EndpointArn as string).find(
      (task) => !['ready', 'stopped', 'failed'].includes(task.Status as string),
    );
    if (busy) throw badState(busy, 'ModifyEndpoint');
    const { EndpointArn: _arn, ...changes } = input;
    entry.endpoint = { ...entry.endpoint, ...changes } as Endpoint;
    entry.endpoint.EndpointType = input.EndpointType
      ? (input.EndpointType.toUpperCase() as Endpoint['EndpointType'])
      : entry.endpoint.EndpointType;
    // [endpoint-test] DMS tests the modified endpoint's connection.
    entry.testing = 1;
    return { Endpoint: { ...entry.endpoint } };
  }

  private deleteEndpoint(input: DeleteEndpointCommand['input']) {
    const entry = this.endpoints.get(input.EndpointArn ?? '');
    if (!entry) throw notFound(`endpoint ${input.EndpointArn}`);
    // [endpoint-delete] every task using it must be deleted first.
    const user = this.tasksUsing(entry.endpoint.EndpointArn as string)[0];
    if (user) {
      throw new InvalidResourceStateFault({
        message: `DeleteEndpoint: endpoint is used by task ${user.ReplicationTaskIdentifier}`,
        ...meta,
      });
    }
    this.endpoints.delete(input.EndpointArn as string);
    return { Endpoint: { ...entry.endpoint, Status: 'deleting' } };
  }

  private testConnection(input: TestConnectionCommand['input']) {
    // [connection] only an available instance tests connections.
    if (this.instanceStatus !== 'available') {
      throw new InvalidResourceStateFault({
        message: `Replication instance is not in available state: ${this.instanceStatus}`,
        ...meta,
      });
    }
    const entry = this.endpoints.get(input.EndpointArn ?? '');
    if (!entry) throw notFound(`endpoint ${input.EndpointArn}`);
    entry.testing = 2;
    return { Connection: { ...input, Status: 'testing' } };
  }

  private describeConnections(input: DescribeConnectionsCommand['input']) {
    const endpointArn = input.Filters?.find((filter) => filter.Name === 'endpoint-arn')?.Values?.[0] ?? '';
    const entry = this.endpoints.get(endpointArn);
    if (!entry) return { Connections: [] };
    const { testing, outcome } = entry;
    return {
      Connections: [
        testing > 0
          ? { EndpointArn: endpointArn, Status: 'testing' }
          : { EndpointArn: endpointArn, Status: outcome.status, LastFailureMessage: outcome.message },
      ],
    };
  }

  private startAssessment(input: StartReplicationTaskAssessmentRunCommand['input']) {
    // [assessment] a role and a bucket are required.
    if (!input.ServiceAccessRoleArn || !input.ResultLocationBucket) {
      throw new InvalidOperationFault({
        message: 'ServiceAccessRoleArn and ResultLocationBucket are required',
        ...meta,
      });
    }
    const arn = `arn:aws:dms:eu-west-1:111111111111:assessment-run:${this.runs.size + 1}`;
    this.runs.set(arn, { polls: 0, keys: input.IncludeOnly ?? [] });
    return { ReplicationTaskAssessmentRun: { ReplicationTaskAssessmentRunArn: arn, Status: 'starting' } };
  }

  private describeAssessment(input: DescribeReplicationTaskAssessmentRunsCommand['input']) {
    const arn = input.Filters?.[0]?.Values?.[0] ?? '';
    const run = this.runs.get(arn);
    if (run) run.polls++;
    const status = !run
      ? 'invalid state'
      : run.polls < 2
        ? run.polls === 0
          ? 'provisioning'
          : 'running'
        : run.keys.some((key) => this.assessments[key] === 'failed')
          ? 'failed'
          : 'passed';
    return { ReplicationTaskAssessmentRuns: [{ ReplicationTaskAssessmentRunArn: arn, Status: status }] };
  }

  private describeIndividualAssessments(input: DescribeReplicationTaskIndividualAssessmentsCommand['input']) {
    const run = this.runs.get(input.Filters?.[0]?.Values?.[0] ?? '');
    return {
      ReplicationTaskIndividualAssessments: (run?.keys ?? []).map((key) => ({
        IndividualAssessmentName: key,
        Status: this.assessments[key] ?? 'passed',
      })),
    };
  }
}
