import type { BigQuery, Job } from '@google-cloud/bigquery';
import type { Route } from '../../../lambdas/shared/routing.js';

export interface TableLoads {
  /** Load jobs created in the window, failed ones included (they count against the quota too). */
  jobs: number;
  newestLoaded?: { jobId: string; file: string; time: Date };
}

export interface LoadJobScan {
  tables: Map<Route, TableLoads>;
  /** False when the page budget ran out: `jobs` are then lower bounds. */
  complete: boolean;
}

const sanitize = (part: string): string => part.replace(/[^A-Za-z0-9_-]/g, '_');

/** What follows a table's job-ID prefix: the file stem, the 24-hex hash, replay and generation suffixes. */
const AFTER_PREFIX = /^((?:SEGMENT\d+_)?LOAD[0-9A-F]{8}|\d{8}-\d{9})_[0-9a-f]{24}(?:_r\d+)?_g\d+$/;

/**
 * Files in the order DMS wrote them: CDC stems are write times (`yyyyMMdd-HHmmssSSS`), so they sort
 * as text, after every full-load file. Loads run concurrently, so the newest job is not always the
 * newest file.
 */
const fileOrder = (stem: string): string => (stem.includes('LOAD') ? `0${stem}` : `1${stem}`);

/** The loader's job-ID prefix of a table (lambdas/shared/bigquery/job-id.ts). */
export const jobIdPrefix = (route: Route): string =>
  sanitize(['cdc', route.source, route.schema, route.table, ''].join('_'));

/**
 * One pass over jobs.list for the window (newest first, as BigQuery lists them): per table the load
 * jobs created and the newest file a successful job loaded (the job ID names the file). `allUsers` because
 * the loader's identity, not the operator's, created the jobs (needs bigquery.jobs.listAll).
 */
export async function scanLoadJobs(
  bigquery: BigQuery,
  routes: readonly Route[],
  since: Date,
  maxPages = 50,
): Promise<LoadJobScan> {
  const tables = new Map<Route, TableLoads>(routes.map((route) => [route, { jobs: 0 }]));
  const prefixes = routes.map((route) => [jobIdPrefix(route), route] as const);
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const [jobs, next] = await bigquery.getJobs({
      allUsers: true,
      minCreationTime: String(since.getTime()),
      maxResults: 1000,
      autoPaginate: false,
      ...(pageToken ? { pageToken } : {}),
    });
    for (const job of jobs) count(job, prefixes, tables, since);
    pageToken = (next as { pageToken?: string } | null)?.pageToken;
    pages++;
  } while (pageToken && pages < maxPages);
  return { tables, complete: pageToken === undefined };
}

function count(
  job: Job,
  prefixes: readonly (readonly [string, Route])[],
  tables: Map<Route, TableLoads>,
  since: Date,
): void {
  const id = job.metadata?.jobReference?.jobId ?? job.id ?? '';
  const created = Number(job.metadata?.statistics?.creationTime);
  if (created < since.getTime()) return;
  for (const [prefix, route] of prefixes) {
    if (!id.startsWith(prefix)) continue;
    const match = AFTER_PREFIX.exec(id.slice(prefix.length));
    if (!match) continue;
    const loads = tables.get(route) as TableLoads;
    loads.jobs++;
    const status = job.metadata?.status as { state?: string; errorResult?: unknown } | undefined;
    const stem = match[1] as string;
    const newer = !loads.newestLoaded || fileOrder(stem) > fileOrder(loads.newestLoaded.file.slice(0, -8));
    if (newer && status?.state === 'DONE' && !status.errorResult && Number.isFinite(created)) {
      loads.newestLoaded = { jobId: id, file: `${stem}.parquet`, time: new Date(created) };
    }
    return;
  }
}
