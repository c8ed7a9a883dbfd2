import type { DmsOperation } from '../columns.js';
import type { DmsTableStatistics } from '../dms/table-statistics.js';
import type { ChangelogCounts } from './changelog.js';

export type OpCounts = Record<DmsOperation, number>;

/**
 * - `match`: the changelog holds exactly the changes DMS counted;
 * - `missing`: DMS counted changes the changelog lacks, and DMS has counted nothing new for the
 *   settle window, so they are not merely in flight: rows were lost (the alarm's case);
 * - `in-flight`: a shortfall while DMS is still counting: files not yet written, landed or loaded;
 * - `surplus`: the changelog holds more than DMS counted: counters restarted (stop/resume, see
 *   docs/reconciliation.md) or files loaded again with `replay --force`; reported, not alarmed;
 * - `reloaded`: the table was reloaded; DMS does not document whether its change counters restart
 *   with a reload, so a shortfall is reported but not alarmed;
 * - `not-replicated`: DMS reports no statistics for the table (task missing, table not yet started).
 */
export type Verdict = 'match' | 'missing' | 'in-flight' | 'surplus' | 'reloaded' | 'not-replicated';

export interface TableComparison {
  verdict: Verdict;
  /** Changelog rows counted from here on (`_dms_timestamp`); the table's last full-load start. */
  since?: Date;
  /** What DMS counted: `I` = full-load rows + inserts (full-load rows carry Op `I`). */
  expected?: OpCounts;
  actual: OpCounts;
  /** Per Op, how many rows DMS counted that the changelog lacks (never negative). */
  missing: OpCounts;
  missingRows: number;
  surplusRows: number;
}

export interface CompareOptions {
  now: Date;
  /** Time without new DMS statistics after which a shortfall is a loss (≥ CDC batch + load time). */
  settleMs: number;
}

const OPS: DmsOperation[] = ['I', 'U', 'D'];

/** DMS's table statistics against the changelog counted over the same period. */
export function compareCounts(
  statistics: DmsTableStatistics | undefined,
  changelog: ChangelogCounts,
  options: CompareOptions,
): TableComparison {
  const actual: OpCounts = { I: changelog.I, U: changelog.U, D: changelog.D };
  const none: OpCounts = { I: 0, U: 0, D: 0 };
  if (!statistics) {
    return { verdict: 'not-replicated', actual, missing: none, missingRows: 0, surplusRows: 0 };
  }
  const expected: OpCounts = {
    I: statistics.fullLoadRows + statistics.inserts,
    U: statistics.updates,
    D: statistics.deletes,
  };
  const missing: OpCounts = { ...none };
  let surplusRows = 0;
  for (const op of OPS) {
    missing[op] = Math.max(0, expected[op] - actual[op]);
    surplusRows += Math.max(0, actual[op] - expected[op]);
  }
  const missingRows = missing.I + missing.U + missing.D;
  const lastUpdate = statistics.lastUpdateTime?.getTime();
  const settled = lastUpdate === undefined || options.now.getTime() - lastUpdate >= options.settleMs;
  let verdict: Verdict = 'match';
  if (missingRows > 0) verdict = statistics.reloaded ? 'reloaded' : settled ? 'missing' : 'in-flight';
  else if (surplusRows > 0) verdict = 'surplus';
  return {
    verdict,
    ...(statistics.fullLoadStartTime ? { since: statistics.fullLoadStartTime } : {}),
    expected,
    actual,
    missing,
    missingRows,
    surplusRows,
  };
}

/** The `_current` view's rows against the source table's rows (a read-only connection, optional). */
export interface RowCountCheck {
  sourceRows: number;
  currentRows: number;
  /** current − source: negative when BigQuery lacks rows. */
  difference: number;
}

export const checkRowCounts = (sourceRows: number, currentRows: number): RowCountCheck => ({
  sourceRows,
  currentRows,
  difference: currentRows - sourceRows,
});
