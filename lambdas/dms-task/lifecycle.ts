import {
  CreateReplicationTaskCommand,
  type DatabaseMigrationServiceClient,
  DeleteReplicationTaskCommand,
  ModifyReplicationTaskCommand,
  ReloadTablesCommand,
  type ReplicationTask,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { describeTableStatistics } from '../shared/dms/table-statistics.js';
import {
  deleteEndpoint,
  describeEndpoint,
  type EndpointSpec,
  endpointMatches,
  endpointTesting,
  ensureEndpoint,
  modifyEndpoint,
} from './endpoints.js';
import {
  addedTables,
  endpointSpecs,
  immutableChange,
  parseTaskProperties,
  selectedTables,
  type TaskProperties,
  tagsOf,
} from './properties.js';
import {
  describeTask,
  loadingTables,
  STABLE,
  statusOf,
  TRANSITIONAL,
  taskMatches,
  taskResourceId,
} from './task-state.js';

/** The CloudFormation request as the CDK Provider framework passes it (isComplete adds `Data`). */
export interface TaskEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  PhysicalResourceId?: string;
  ResourceProperties: Record<string, unknown>;
  OldResourceProperties?: Record<string, unknown>;
  Data?: Record<string, string>;
}

export interface LifecycleDeps {
  dms: DatabaseMigrationServiceClient;
  now: () => number;
  log?: (message: string) => void;
}

/** What the deploy cannot do, or DMS did not do in time; the message names the task and its state. */
export class TaskLifecycleError extends Error {
  override name = 'TaskLifecycleError';
}

/** A failed task started less than this long ago was started by the deploy being rolled back. */
const DEPLOY_WINDOW_MS = 2 * 3600 * 1000;

/**
 * First step of each request (ADR 0014, 0033). Create creates the endpoints and the task; Update
 * refuses what DMS cannot change in place and records how to finish; Delete stops a running task.
 * The rest is driven by `isComplete`, polled by the Provider framework, because DMS changes state
 * asynchronously.
 */
export async function onEvent(event: TaskEvent, deps: LifecycleDeps) {
  const desired = parseTaskProperties(event.ResourceProperties);
  const requestedAt = String(deps.now());
  if (event.RequestType === 'Create') {
    const tags = tagsOf(desired);
    const specs = endpointSpecs(desired);
    const SourceEndpointArn = await ensureEndpoint(deps.dms, specs.source, tags);
    const TargetEndpointArn = await ensureEndpoint(deps.dms, specs.target, tags);
    const { ReplicationTask } = await deps.dms.send(
      new CreateReplicationTaskCommand({
        ReplicationTaskIdentifier: desired.ReplicationTaskIdentifier,
        ReplicationInstanceArn: desired.ReplicationInstanceArn,
        SourceEndpointArn,
        TargetEndpointArn,
        MigrationType: desired.MigrationType as 'full-load-and-cdc',
        TableMappings: desired.TableMappings,
        ReplicationTaskSettings: desired.ReplicationTaskSettings,
        Tags: tags,
      }),
    );
    const arn = ReplicationTask?.ReplicationTaskArn as string;
    return { PhysicalResourceId: arn, Data: attributes(arn, { RequestedAt: requestedAt }) };
  }
  const arn = event.PhysicalResourceId ?? '';
  const task = arn.startsWith('arn:') ? await describeTask(deps.dms, { arn }) : undefined;
  // isComplete stops a running task, deletes it once stopped, then its endpoints.
  if (event.RequestType === 'Delete') return { PhysicalResourceId: arn, Data: { RequestedAt: requestedAt } };
  if (!task) {
    throw new TaskLifecycleError(
      `${desired.ReplicationTaskIdentifier}: replication task ${arn} does not exist any more; nothing was changed. Remove the source's mapping file and deploy, then add it back`,
    );
  }
  const source = await describeEndpoint(deps.dms, { arn: task.SourceEndpointArn ?? '' });
  const changed = immutableChange(
    {
      ReplicationTaskIdentifier: task.ReplicationTaskIdentifier,
      ReplicationInstanceArn: task.ReplicationInstanceArn,
      MigrationType: task.MigrationType,
      SourceEngineName: source?.EngineName,
    },
    desired,
  );
  if (changed) {
    throw new TaskLifecycleError(
      `${desired.ReplicationTaskIdentifier}: ${changed} changed and DMS cannot change it on an existing task; nothing was changed. Remove the source's mapping file and deploy (the task is deleted, BigQuery data kept), then add it back (a new full load): docs/adr/0014-provisioned-dms-task-lifecycle.md`,
    );
  }
  const status = statusOf(task);
  // A task that failed after a deploy started it (the update being rolled back) is resumed; one that
  // failed on its own stays failed for the runbook to decide (binlogs may be gone).
  const failedByDeploy = status === 'failed' && deps.now() - lastStart(task) < DEPLOY_WINDOW_MS;
  const keepStopped = status === 'failed' && !failedByDeploy;
  // Compared with the live task and endpoints, so a rollback after a failure that changed nothing
  // restarts nothing, while a task a failed update had already stopped is resumed.
  const unchanged =
    (await applied(deps, task, desired)) && (status === 'running' || (status === 'failed' && keepStopped));
  return {
    PhysicalResourceId: arn,
    Data: attributes(arn, {
      RequestedAt: requestedAt,
      Action: unchanged ? 'none' : 'apply',
      KeepStopped: String(keepStopped),
      AddedTables: JSON.stringify(addedTables(task.TableMappings ?? '{}', desired.TableMappings)),
    }),
  };
}

const attributes = (arn: string, data: Record<string, string>) => ({
  ...data,
  TaskArn: arn,
  TaskResourceId: taskResourceId(arn),
});

/** Whether the task and both its endpoints have what the request asks for. */
async function applied(deps: LifecycleDeps, task: ReplicationTask, desired: TaskProperties) {
  return (
    taskMatches(task, desired.TableMappings, desired.ReplicationTaskSettings) &&
    (await endpointsToModify(deps, task, desired)).length === 0
  );
}

/** The task's endpoints whose settings differ from the request, with the spec each must get. */
async function endpointsToModify(deps: LifecycleDeps, task: ReplicationTask, desired: TaskProperties) {
  const specs = endpointSpecs(desired);
  const pairs: [string, EndpointSpec][] = [
    [task.SourceEndpointArn ?? '', specs.source],
    [task.TargetEndpointArn ?? '', specs.target],
  ];
  const differing: [string, EndpointSpec][] = [];
  for (const [arn, spec] of pairs) {
    if (!endpointMatches(await describeEndpoint(deps.dms, { arn }), spec)) differing.push([arn, spec]);
  }
  return differing;
}

/** Polled until it returns `IsComplete: true`; each call moves the task one step on. */
export async function isComplete(event: TaskEvent, deps: LifecycleDeps): Promise<{ IsComplete: boolean }> {
  const desired = parseTaskProperties(event.ResourceProperties);
  const data = event.Data ?? {};
  const arn = event.PhysicalResourceId ?? '';
  const task = arn.startsWith('arn:') ? await describeTask(deps.dms, { arn }) : undefined;
  const status = task ? statusOf(task) : 'deleted';
  const deadline = Number(data.RequestedAt ?? deps.now()) + Number(desired.WaitTimeoutSeconds) * 1000;
  const waitOrFail = (why: string) => {
    if (deps.now() > deadline) {
      throw new TaskLifecycleError(
        `${desired.ReplicationTaskIdentifier} is still ${why} after ${desired.WaitTimeoutSeconds} s; the deploy stops here and CloudFormation rolls back. Deploy again once \`dms2bq dms status\` shows it stopped or running`,
      );
    }
    deps.log?.(`${desired.ReplicationTaskIdentifier}: waiting (${why})`);
    return { IsComplete: false };
  };
  if (event.RequestType === 'Delete') {
    if (!task) {
      // The endpoints go after the task: DMS deletes no endpoint a task still uses.
      const specs = endpointSpecs(desired);
      const left = [
        await deleteEndpoint(deps.dms, specs.source.EndpointIdentifier),
        await deleteEndpoint(deps.dms, specs.target.EndpointIdentifier),
      ];
      return left.some(Boolean) ? waitOrFail('deleting its endpoints') : { IsComplete: true };
    }
    if (status === 'running') await stop(deps, task);
    else if (STABLE.has(status))
      await deps.dms.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: arn }));
    return waitOrFail(status);
  }
  if (!task) throw new TaskLifecycleError(`${desired.ReplicationTaskIdentifier}: task ${arn} disappeared`);
  if (TRANSITIONAL.has(status)) return waitOrFail(status);
  if (event.RequestType === 'Create') return finishCreate(deps, task, status, waitOrFail);
  if (data.Action === 'none') return { IsComplete: true };
  return stepUpdate(deps, task, status, desired, data, waitOrFail);
}

async function finishCreate(
  deps: LifecycleDeps,
  task: ReplicationTask,
  status: string,
  waitOrFail: (why: string) => { IsComplete: boolean },
) {
  if (status === 'ready') {
    if (await testingEndpoint(deps, task))
      return waitOrFail('waiting for a connection test of its endpoints');
    // The only valid first start of a full-load-and-cdc task (StartReplicationTask, API reference).
    await start(deps, task, 'start-replication');
    return { IsComplete: false };
  }
  if (status === 'failed') throw failed(task);
  return { IsComplete: true };
}

/**
 * When the task last started or resumed, in ms (0 if never): ReplicationTaskStats.StartDate, "the date
 * the replication task was started either with a fresh start or a resume" (API reference,
 * ReplicationTaskStats). Not ReplicationTaskStartDate, documented only as "the date the replication
 * task is scheduled to start": were it left unchanged by resume-processing, every update would stop
 * the task it had just resumed until the deploy timed out.
 */
const lastStart = (task: ReplicationTask): number => task.ReplicationTaskStats?.StartDate?.getTime() ?? 0;

const testingEndpoint = async (deps: LifecycleDeps, task: ReplicationTask) =>
  (await endpointTesting(deps.dms, task.SourceEndpointArn ?? '')) ||
  (await endpointTesting(deps.dms, task.TargetEndpointArn ?? ''));

async function stepUpdate(
  deps: LifecycleDeps,
  task: ReplicationTask,
  status: string,
  desired: TaskProperties,
  data: Record<string, string>,
  waitOrFail: (why: string) => { IsComplete: boolean },
) {
  const arn = task.ReplicationTaskArn as string;
  const startedSinceRequest = lastStart(task) >= Number(data.RequestedAt);
  if (status === 'running' && !startedSinceRequest) {
    // ModifyReplicationTask: "The task must be stopped before you can modify it." DMS refuses endpoint
    // changes under a running task too (ADR 0033). A load of a table the update keeps is waited for,
    // not interrupted; a load of a table it removes is not worth waiting for (a rollback removing the
    // table the failed update added would otherwise wait for its whole full load).
    const kept = new Set(
      selectedTables(desired.TableMappings).map(({ schema, table }) => `${schema}.${table}`),
    );
    const loading = loadingTables(await describeTableStatistics(deps.dms, arn)).filter((name) =>
      kept.has(name),
    );
    if (loading.length > 0) return waitOrFail(`running a full load or reload of ${loading.join(', ')}`);
    await stop(deps, task);
    return { IsComplete: false };
  }
  const endpoints = await endpointsToModify(deps, task, desired);
  if (endpoints.length > 0) {
    for (const [endpointArn, spec] of endpoints) {
      deps.log?.(`${desired.ReplicationTaskIdentifier}: modifying endpoint ${spec.EndpointIdentifier}`);
      await modifyEndpoint(deps.dms, endpointArn, spec);
    }
    return { IsComplete: false };
  }
  if (!taskMatches(task, desired.TableMappings, desired.ReplicationTaskSettings)) {
    await deps.dms.send(
      new ModifyReplicationTaskCommand({
        ReplicationTaskArn: arn,
        TableMappings: desired.TableMappings,
        ReplicationTaskSettings: desired.ReplicationTaskSettings,
      }),
    );
    return { IsComplete: false };
  }
  if (status === 'running') {
    await reloadUnloaded(deps, arn, JSON.parse(data.AddedTables ?? '[]'));
    return { IsComplete: true };
  }
  if (status === 'failed' && startedSinceRequest) throw failed(task);
  if (data.KeepStopped === 'true' || startedSinceRequest) return { IsComplete: true };
  if (await testingEndpoint(deps, task)) return waitOrFail('waiting for a connection test of its endpoints');
  // resume-processing "replicate[s] the changes from the last stop position"; a task that never ran
  // (ready) can only be started with start-replication.
  await start(deps, task, status === 'ready' ? 'start-replication' : 'resume-processing');
  return { IsComplete: false };
}

/**
 * Tables the update added that DMS has not started loading after the resume get a documented full
 * load: ReloadTables works on a running full-load-and-cdc task, at most 10 tables per call.
 */
async function reloadUnloaded(
  deps: LifecycleDeps,
  arn: string,
  added: { schema: string; table: string }[],
): Promise<void> {
  if (added.length === 0) return;
  const seen = new Set(
    (await describeTableStatistics(deps.dms, arn)).map((table) => `${table.SchemaName}.${table.TableName}`),
  );
  const missing = added.filter(({ schema, table }) => !seen.has(`${schema}.${table}`));
  for (let index = 0; index < missing.length; index += 10) {
    await deps.dms.send(
      new ReloadTablesCommand({
        ReplicationTaskArn: arn,
        ReloadOption: 'data-reload',
        TablesToReload: missing
          .slice(index, index + 10)
          .map(({ schema, table }) => ({ SchemaName: schema, TableName: table })),
      }),
    );
  }
}

async function stop(deps: LifecycleDeps, task: ReplicationTask): Promise<void> {
  deps.log?.(`${task.ReplicationTaskIdentifier}: stopping`);
  await deps.dms.send(new StopReplicationTaskCommand({ ReplicationTaskArn: task.ReplicationTaskArn }));
}

async function start(
  deps: LifecycleDeps,
  task: ReplicationTask,
  type: 'start-replication' | 'resume-processing',
): Promise<void> {
  deps.log?.(`${task.ReplicationTaskIdentifier}: ${type}`);
  await deps.dms.send(
    new StartReplicationTaskCommand({
      ReplicationTaskArn: task.ReplicationTaskArn,
      StartReplicationTaskType: type,
    }),
  );
}

const failed = (task: ReplicationTask) =>
  new TaskLifecycleError(
    `${task.ReplicationTaskIdentifier} failed: ${task.LastFailureMessage ?? 'no failure message'}; see docs/runbooks/dms-replication-stopped.md`,
  );
