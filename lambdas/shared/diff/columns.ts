/**
 * The columns a diff compares, with each side's type. Every value is turned into one canonical text
 * on its own side (canonical.ts), so MySQL and BigQuery hash the same bytes for the same value.
 */

/** How a column's values are compared once fetched; `json` compares parsed documents. */
export type CompareKind = 'text' | 'json';

export interface DiffColumn {
  /** The source column's name, as MySQL spells it. */
  name: string;
  /** The `_current` column's name, as BigQuery spells it (names compare case-insensitively). */
  bigqueryName: string;
  /** information_schema.COLUMNS.COLUMN_TYPE, lower case: `decimal(18,2)`, `tinyint(1)`, `json`. */
  mysqlType: string;
  /** The `_current` column's type as tables.get names it: `INTEGER`, `NUMERIC`, `TIMESTAMP`, … */
  bigqueryType: string;
  kind: CompareKind;
  /**
   * A `hashColumns` column: `_current` holds DMS's hash of the value, so the source side hashes its
   * value the same way before comparing (canonical.ts).
   */
  hashed?: boolean;
}

/** A key column: only INT64 and STRING keys have one order both sides agree on. */
export interface KeyColumn {
  name: string;
  bigqueryName: string;
  kind: 'int' | 'string';
}

export interface DiffTable {
  /** What the source side reads: `schema`.`table`. */
  schema: string;
  table: string;
  /** What the BigQuery side reads: `project.dataset.<target>_current`. */
  projectId: string;
  dataset: string;
  current: string;
  keys: KeyColumn[];
  /** Every compared column, the key columns first, in the source's column order. */
  columns: DiffColumn[];
}

/** The diff cannot run as asked: a usage or environment problem (exit 2), named in one line. */
export class DiffSetupError extends Error {
  override name = 'DiffSetupError';
}
