/**
 * BigQuery allows 1,500 load jobs per table per day, failed jobs included, and the limit cannot be
 * raised. DMS writes at most one CDC file per table per CdcMaxBatchInterval (CdcMinFileSize is set
 * high enough that size does not cut files sooner), and the loader runs one load job per file.
 */
export const LOAD_JOBS_PER_TABLE_PER_DAY = 1500;
/** Refuse settings whose worst case uses more than this share of the quota. */
export const QUOTA_GUARD_SHARE = 0.9;
/** Failed jobs count against the quota: allow one retry for this share of files. */
export const RETRY_MARGIN = 0.2;
/** Full-load and reload files a table may receive on the same day as a busy CDC stream. */
export const FULL_LOAD_FILES_ALLOWANCE = 50;
const SECONDS_PER_DAY = 86_400;

export interface LoadJobBudget {
  intervalSeconds: number;
  cdcFiles: number;
  retries: number;
  fullLoadFiles: number;
  worstCase: number;
  guard: number;
  withinGuard: boolean;
}

export function loadJobBudget(intervalSeconds: number): LoadJobBudget {
  const cdcFiles = Math.ceil(SECONDS_PER_DAY / intervalSeconds);
  const retries = Math.ceil(cdcFiles * RETRY_MARGIN);
  const worstCase = cdcFiles + retries + FULL_LOAD_FILES_ALLOWANCE;
  const guard = Math.floor(LOAD_JOBS_PER_TABLE_PER_DAY * QUOTA_GUARD_SHARE);
  return {
    intervalSeconds,
    cdcFiles,
    retries,
    fullLoadFiles: FULL_LOAD_FILES_ALLOWANCE,
    worstCase,
    guard,
    withinGuard: worstCase <= guard,
  };
}

/** The shortest CdcMaxBatchInterval that stays within the guard. */
export function minimumSafeInterval(): number {
  let interval = 1;
  while (!loadJobBudget(interval).withinGuard) interval++;
  return interval;
}

const n = (value: number): string => value.toLocaleString('en-US');

/** The arithmetic behind a verdict, for error messages and `dms2bq plan`. */
export function describeBudget(budget: LoadJobBudget): string {
  return (
    `86,400 s / ${n(budget.intervalSeconds)} s = ${n(budget.cdcFiles)} CDC files per table per day` +
    ` + ${n(budget.retries)} retries (${RETRY_MARGIN * 100} %) + ${n(budget.fullLoadFiles)} full-load files` +
    ` = ${n(budget.worstCase)} load jobs; the guard is ${n(budget.guard)}` +
    ` (${QUOTA_GUARD_SHARE * 100} % of BigQuery's ${n(LOAD_JOBS_PER_TABLE_PER_DAY)} load jobs per table per day)`
  );
}

/**
 * BigQuery also allows 100,000 load jobs per project per day, failed jobs included (reference/
 * bigquery-loads.md, "Quotas and limits"). Every table deployed to one GCP project draws on it: every
 * table of every mapping, once per stage whose config names that project.
 */
export const LOAD_JOBS_PER_PROJECT_PER_DAY = 100_000;

/** One source of one deployment: its tables share a CDC interval, hence a per-table worst case. */
export interface SourceLoadJobs {
  deployment: string;
  source: string;
  tables: number;
  perTable: number;
  jobs: number;
}

export interface ProjectLoadJobBudget {
  /** Undefined when no stage was named: the budget of whichever project one deployment uses. */
  project?: string;
  sources: SourceLoadJobs[];
  worstCase: number;
  guard: number;
  withinGuard: boolean;
}

export interface ProjectDeployment {
  /** A stage name, or a label such as `mappings/` when no stage is given. */
  name: string;
  sources: readonly { source: string; tables: number; intervalSeconds: number }[];
}

export function projectLoadJobBudget(
  project: string | undefined,
  deployments: readonly ProjectDeployment[],
): ProjectLoadJobBudget {
  const sources = deployments.flatMap((deployment) =>
    deployment.sources.map(({ source, tables, intervalSeconds }) => {
      const perTable = loadJobBudget(intervalSeconds).worstCase;
      return { deployment: deployment.name, source, tables, perTable, jobs: tables * perTable };
    }),
  );
  const worstCase = sources.reduce((sum, source) => sum + source.jobs, 0);
  const guard = Math.floor(LOAD_JOBS_PER_PROJECT_PER_DAY * QUOTA_GUARD_SHARE);
  return { ...(project ? { project } : {}), sources, worstCase, guard, withinGuard: worstCase <= guard };
}

/** Rounded down, so that a share over the guard never prints as the guard itself. */
const percent = (part: number, whole: number): string =>
  `${(Math.floor((part / whole) * 1000) / 10).toFixed(1)} %`;

/** The arithmetic, one line per source and a total, for `dms2bq validate`. */
export function describeProjectBudget(budget: ProjectLoadJobBudget): string[] {
  const lines = budget.sources.map(
    (source) =>
      `  ${source.deployment} ${source.source}: ${n(source.tables)} table(s) × ${n(source.perTable)} = ${n(source.jobs)}`,
  );
  const verdict = budget.withinGuard ? 'within' : 'over';
  lines.push(
    `  total ${n(budget.worstCase)} load jobs per day = ${percent(budget.worstCase, LOAD_JOBS_PER_PROJECT_PER_DAY)} of BigQuery's ${n(LOAD_JOBS_PER_PROJECT_PER_DAY)} per project; ${verdict} the guard of ${n(budget.guard)} (${QUOTA_GUARD_SHARE * 100} %)`,
  );
  return [`Worst-case load jobs in ${projectName(budget)} (per table as in ADR 0004):`, ...lines];
}

export const projectName = (budget: ProjectLoadJobBudget): string =>
  budget.project ? `GCP project ${budget.project}` : "one deployment's GCP project";
