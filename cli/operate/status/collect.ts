import { parseDmsKey, routeKey } from '../../../lambdas/shared/dms/keys.js';
import { statisticsFor } from '../../../lambdas/shared/dms/table-statistics.js';
import { newestChange } from '../../../lambdas/shared/reconcile/changelog.js';
import { mapLimited } from '../../../lambdas/shared/reconcile/reconcile.js';
import type { Route } from '../../../lambdas/shared/routing.js';
import type { Target } from '../target.js';
import { type LandedFile, newestLanded } from './landed.js';
import { scanLoadJobs } from './load-jobs.js';
import { deadLetterDepth, type FiringAlarm, firingAlarms } from './side-channels.js';

/** BigQuery allows 1,500 load jobs per table per day. */
export const LOAD_JOBS_PER_DAY = 1500;

const LOAD_GRACE_MS = 5 * 60_000;

export interface TableStatus {
  route: Route;
  dms: {
    task: string;
    taskStatus?: string;
    tableState?: string;
    fullLoadRows?: number;
    inserts?: number;
    updates?: number;
    deletes?: number;
  };
  landed?: LandedFile;
  loaded?: { file: string; jobId: string; time: Date };
  newestChange?: Date;
  loadJobs24h: number;
  alarms: FiringAlarm[];
  problems: string[];
}

export interface PipelineStatus {
  target: string;
  generatedAt: Date;
  tables: TableStatus[];
  deadLetterDepth: number;
  alarms: FiringAlarm[];
  /** False when jobs.list had more pages than the budget: job counts are lower bounds. */
  loadJobsComplete: boolean;
  /** Freshness above this is a problem. */
  freshnessSloMs: number;
}

export interface CollectOptions {
  now: Date;
  freshnessSloMs: number;
}

/** Everything `status` shows, read in parallel where the services allow it. */
export async function collectStatus(target: Target, options: CollectOptions): Promise<PipelineStatus> {
  const { now } = options;
  const aws = await target.aws();
  const [loads, depth, alarms, tasks] = await Promise.all([
    scanLoadJobs(target.bigquery, target.routes, new Date(now.getTime() - 86_400_000)),
    deadLetterDepth(aws.sqs, aws.deadLetterQueueUrl),
    aws.cloudwatch && aws.alarmPrefix ? firingAlarms(aws.cloudwatch, aws.alarmPrefix) : [],
    Promise.all(
      [...new Set(target.routes.map((route) => route.source))].map(
        async (source) => [source, await target.statistics(source)] as const,
      ),
    ).then((entries) => new Map(entries)),
  ]);
  const tables = await mapLimited(target.routes, 8, async (route): Promise<TableStatus> => {
    const task = tasks.get(route.source);
    const statistics = task ? statisticsFor(task, route.schema, route.table) : undefined;
    const [landed, newest] = await Promise.all([
      newestLanded(aws.s3, aws.bucket, route),
      newestChange(target.bigquery, target.projectId, route),
    ]);
    const tableLoads = loads.tables.get(route) ?? { jobs: 0 };
    const status: TableStatus = {
      route,
      dms: {
        task: task?.identifier ?? '',
        ...(task?.status ? { taskStatus: task.status } : {}),
        ...(statistics
          ? {
              tableState: statistics.state,
              fullLoadRows: statistics.fullLoadRows,
              inserts: statistics.inserts,
              updates: statistics.updates,
              deletes: statistics.deletes,
            }
          : {}),
      },
      ...(landed ? { landed } : {}),
      ...(tableLoads.newestLoaded ? { loaded: tableLoads.newestLoaded } : {}),
      ...(newest ? { newestChange: newest } : {}),
      loadJobs24h: tableLoads.jobs,
      alarms: alarms.filter(
        (alarm) => alarm.table?.source === route.source && alarm.table.table === route.targetTable,
      ),
      problems: [],
    };
    status.problems = problemsOf(status, options);
    return status;
  });
  return {
    target: target.label,
    generatedAt: now,
    tables,
    deadLetterDepth: depth,
    alarms,
    loadJobsComplete: loads.complete,
    freshnessSloMs: options.freshnessSloMs,
  };
}

/** Why an operator should look at this table, most urgent first; empty when it is healthy. */
export function problemsOf(status: TableStatus, options: CollectOptions): string[] {
  const problems: string[] = [];
  const { dms } = status;
  if (!dms.taskStatus) problems.push('no DMS task');
  else if (dms.taskStatus !== 'running') problems.push(`DMS task ${dms.taskStatus}`);
  if (dms.tableState === 'Table error' || dms.tableState === 'Table cancelled')
    problems.push(`DMS ${dms.tableState.toLowerCase()}`);
  if (status.alarms.length > 0) problems.push(`${status.alarms.length} alarm(s)`);
  const { landed, loaded } = status;
  // A file landed minutes ago may still be on its way through the queue.
  const waiting = landed && options.now.getTime() - landed.time.getTime() > LOAD_GRACE_MS;
  const { route } = status;
  // CDC file names are write times: compare the files themselves, not when their jobs ran.
  const loadedAt = loaded
    ? parseDmsKey(`${routeKey(route.source, route.schema, route.table)}/${loaded.file}`).fileTime
    : undefined;
  if (waiting && loaded && !landed.key.endsWith(`/${loaded.file}`) && (!loadedAt || landed.time > loadedAt))
    problems.push('newest file not loaded');
  else if (waiting && !loaded && !status.newestChange) problems.push('nothing loaded');
  if (status.newestChange && options.now.getTime() - status.newestChange.getTime() > options.freshnessSloMs)
    problems.push('stale');
  if (status.loadJobs24h > LOAD_JOBS_PER_DAY * 0.8) problems.push('load-job quota > 80 %');
  return problems;
}
