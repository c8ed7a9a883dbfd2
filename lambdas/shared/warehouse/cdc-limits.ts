import type { TableField } from '@google-cloud/bigquery';

/**
 * What BigQuery refuses for a CDC table, as documented (ADR 0024):
 * - "Stream table updates with change data capture": "Composite primary keys containing up to 16
 *   columns are supported"; CDC tables cannot have "more than 2,000 top-level columns".
 * - "TABLE_CONSTRAINTS view", Limitations: "Primary keys and foreign keys must be of one of the
 *   following types: BIGNUMERIC, BOOLEAN, DATE, DATETIME, INT64, NUMERIC, STRING, or TIMESTAMP",
 *   "can only be set on top-level columns".
 * - Clustering takes at most four columns, so the table clusters by the key's first four.
 */
export const MAX_PRIMARY_KEY_COLUMNS = 16;
export const MAX_CDC_TOP_LEVEL_COLUMNS = 2_000;

/** GoogleSQL names of the types a primary key may have. */
export const PRIMARY_KEY_TYPES = [
  'BIGNUMERIC',
  'BOOL',
  'DATE',
  'DATETIME',
  'INT64',
  'NUMERIC',
  'STRING',
  'TIMESTAMP',
] as const;

const LEGACY_TO_GOOGLESQL: Record<string, string> = {
  INTEGER: 'INT64',
  FLOAT: 'FLOAT64',
  BOOLEAN: 'BOOL',
  RECORD: 'STRUCT',
};

/** The GoogleSQL name of a REST schema type (`INTEGER` → `INT64`), as DDL and the documentation write it. */
export const googleSqlType = (type: string): string => {
  const upper = type.toUpperCase();
  return LEGACY_TO_GOOGLESQL[upper] ?? upper;
};

export const primaryKeyTypeAllowed = (type: string): boolean =>
  (PRIMARY_KEY_TYPES as readonly string[]).includes(googleSqlType(type));

export const primaryKeyTypesText = PRIMARY_KEY_TYPES.join(', ');

/**
 * Why BigQuery would refuse a CDC table with this key over these (the current table's own)
 * fields, one sentence each; empty when it accepts it. Column names compare case-insensitively,
 * as BigQuery's do.
 */
export function cdcTableProblems(primaryKey: readonly string[], fields: readonly TableField[]): string[] {
  const problems: string[] = [];
  if (primaryKey.length > MAX_PRIMARY_KEY_COLUMNS) {
    problems.push(
      `its primary key has ${primaryKey.length} columns, more than the ${MAX_PRIMARY_KEY_COLUMNS} a BigQuery CDC table allows`,
    );
  }
  if (fields.length > MAX_CDC_TOP_LEVEL_COLUMNS) {
    problems.push(
      `it would have ${fields.length} columns, more than the ${MAX_CDC_TOP_LEVEL_COLUMNS.toLocaleString('en-US')} top-level columns a BigQuery CDC table allows`,
    );
  }
  const byName = new Map(fields.map((field) => [(field.name ?? '').toLowerCase(), field]));
  for (const column of primaryKey) {
    const field = byName.get(column.toLowerCase());
    if (field === undefined) {
      problems.push(`primary key column ${column} is not a column of the changelog table`);
    } else if (field.mode === 'REPEATED' || !primaryKeyTypeAllowed(field.type ?? 'STRING')) {
      const kind =
        field.mode === 'REPEATED'
          ? `REPEATED ${googleSqlType(field.type ?? '')}`
          : googleSqlType(field.type ?? '');
      problems.push(
        `primary key column ${column} is ${kind}, which a BigQuery primary key cannot be (only ${primaryKeyTypesText})`,
      );
    }
  }
  return problems;
}
