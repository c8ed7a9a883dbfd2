/**
 * BigQuery naming rules for the objects this project creates. Datasets: letters, digits and
 * underscores, at most 1,024 characters. Tables: letters, marks, digits, connectors (`_`), dashes
 * and spaces, at most 1,024 UTF-8 bytes. The `_current` and `_history` view names must fit as well.
 */
const DATASET = /^[A-Za-z0-9_]+$/;
const TABLE = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]+$/u;
const MAX_BYTES = 1024;
export const CURRENT_VIEW_SUFFIX = '_current';

/** Every changelog dataset's table of the reconciliation's running totals (ADR 0035). */
export const RECONCILE_TOTALS_TABLE = 'dms2bq_reconcile_totals';
/** Every changelog dataset's record of the full loads whose missing keys were deleted (ADR 0047). */
export const RELOADS_TABLE = 'dms2bq_reloads';
/** As long as CURRENT_VIEW_SUFFIX, so one length check covers both views. */
export const HISTORY_VIEW_SUFFIX = '_history';

export const currentViewName = (targetTable: string): string => `${targetTable}${CURRENT_VIEW_SUFFIX}`;
export const historyViewName = (targetTable: string): string => `${targetTable}${HISTORY_VIEW_SUFFIX}`;

/** Why BigQuery would reject this dataset name, or undefined when it is valid. */
export function datasetNameProblem(name: string): string | undefined {
  if (name.length > MAX_BYTES) return `is longer than ${MAX_BYTES} characters`;
  if (!DATASET.test(name)) return 'may contain only letters, digits and underscores';
  return undefined;
}

/** Why BigQuery would reject this table name (or its `_current` view), or undefined when valid. */
export function tableNameProblem(name: string): string | undefined {
  if (Buffer.byteLength(currentViewName(name)) > MAX_BYTES) {
    return `with the ${CURRENT_VIEW_SUFFIX} suffix is longer than ${MAX_BYTES} bytes`;
  }
  if (!TABLE.test(name)) return 'may contain only letters, digits, underscores, dashes and spaces';
  return undefined;
}

/** A valid name close to `name`: every rejected character becomes an underscore. */
export function suggestName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 200);
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}
