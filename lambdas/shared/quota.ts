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
