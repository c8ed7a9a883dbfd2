import type { TableField } from '@google-cloud/bigquery';
import { CHANGE_SEQ_COLUMN, OP_COLUMN, TIMESTAMP_COLUMN } from '../columns.js';
import type { TableMapping } from '../mappings/model.js';

/** BigQuery's choice among a load's `decimalTargetTypes` (JobConfigurationLoad). */
export type DecimalTarget = 'NUMERIC' | 'BIGNUMERIC' | 'STRING';

/** A mapping column whose MySQL type this project cannot turn into the BigQuery type a load would give it. */
export class UnmappableColumnTypeError extends Error {
  override name = 'UnmappableColumnTypeError';
}

/**
 * The first listed decimal target that holds DECIMAL(precision, scale): NUMERIC when scale ≤ 9 and
 * precision − scale ≤ 29, BIGNUMERIC when scale ≤ 38 and precision − scale ≤ 38, STRING always
 * (reference/bigquery-loads.md).
 */
export function decimalTarget(
  precision: number,
  scale: number,
  listed: readonly string[],
): DecimalTarget | undefined {
  const fits: Record<DecimalTarget, boolean> = {
    NUMERIC: scale <= 9 && precision - scale <= 29,
    BIGNUMERIC: scale <= 38 && precision - scale <= 38,
    STRING: true,
  };
  return (['NUMERIC', 'BIGNUMERIC', 'STRING'] as const).find((type) => listed.includes(type) && fits[type]);
}

const TYPE = /^\s*([a-z]+)\s*(?:\(([^)]*)\))?\s*(?:unsigned)?\s*(?:zerofill)?\s*$/i;

/**
 * MySQL type → DMS type → Parquet type (reference/dms-s3-target.md) → the BigQuery type a Parquet
 * load gives that column (reference/bigquery-loads.md, "Parquet → BigQuery types"). Every integer,
 * signed or not, is INT32/INT64 in Parquet and INTEGER in BigQuery; TINYINT(1) stays an integer.
 */
const SIMPLE: Record<string, string> = {
  tinyint: 'INTEGER',
  bool: 'INTEGER',
  boolean: 'INTEGER',
  smallint: 'INTEGER',
  year: 'INTEGER',
  mediumint: 'INTEGER',
  int: 'INTEGER',
  integer: 'INTEGER',
  bigint: 'INTEGER',
  float: 'FLOAT',
  double: 'FLOAT',
  real: 'FLOAT',
  date: 'DATE',
  datetime: 'TIMESTAMP',
  timestamp: 'TIMESTAMP',
  char: 'STRING',
  varchar: 'STRING',
  tinytext: 'STRING',
  text: 'STRING',
  mediumtext: 'STRING',
  longtext: 'STRING',
  json: 'STRING',
  enum: 'STRING',
  set: 'STRING',
  time: 'STRING',
  binary: 'BYTES',
  varbinary: 'BYTES',
  tinyblob: 'BYTES',
  blob: 'BYTES',
  mediumblob: 'BYTES',
  longblob: 'BYTES',
};

/** The BigQuery type of a column DMS writes for this MySQL type, loaded with these decimal targets. */
export function bigQueryTypeOf(mysqlType: string, decimalTargets: readonly string[]): string {
  const match = TYPE.exec(mysqlType);
  const base = (match?.[1] ?? '').toLowerCase();
  const args = (match?.[2] ?? '').split(',').map((part) => Number.parseInt(part.trim(), 10));
  if (base === 'decimal' || base === 'numeric' || base === 'dec' || base === 'fixed') {
    // MySQL's defaults: DECIMAL = DECIMAL(10,0), DECIMAL(p) = DECIMAL(p,0).
    const precision = Number.isNaN(args[0] ?? Number.NaN) ? 10 : (args[0] ?? 10);
    const scale = Number.isNaN(args[1] ?? Number.NaN) ? 0 : (args[1] ?? 0);
    const target = decimalTarget(precision, scale, decimalTargets);
    if (target === undefined) {
      throw new UnmappableColumnTypeError(
        `"${mysqlType}" fits none of the decimal targets ${decimalTargets.join(', ')}`,
      );
    }
    return target;
  }
  // BIT(1) is BOOLEAN in DMS; wider BIT(n) is BYTES(n/8), BINARY in Parquet.
  if (base === 'bit') return (Number.isNaN(args[0] ?? 1) ? 1 : (args[0] ?? 1)) <= 1 ? 'BOOLEAN' : 'BYTES';
  const type = match ? SIMPLE[base] : undefined;
  if (type === undefined) {
    throw new UnmappableColumnTypeError(
      `"${mysqlType}" is not a MySQL type DMS writes to Parquet as this project knows it; remove "columns" from the table to let its first load create the table`,
    );
  }
  return type;
}

/**
 * The changelog table's schema exactly as the first Parquet load would create it: `Op` and
 * `_dms_timestamp` first, the declared columns in order without the excluded ones, `_dms_change_seq`
 * last (the add-column rule appends it). Every field is NULLABLE because DMS declares every Parquet
 * column OPTIONAL, whatever the source's NOT NULL says. A hashed column is the 64-character hash
 * DMS writes, a STRING (ADR 0038).
 */
export function changelogSchema(table: TableMapping, decimalTargets: readonly string[]): TableField[] {
  const excluded = new Set(table.excludeColumns ?? []);
  const hashed = new Set(table.hashColumns ?? []);
  const nullable = (name: string, type: string): TableField => ({ name, type, mode: 'NULLABLE' });
  const columns = (table.columns ?? [])
    .filter((column) => !excluded.has(column.name))
    .map((column) => {
      if (hashed.has(column.name)) return nullable(column.name, 'STRING');
      try {
        return nullable(column.name, bigQueryTypeOf(column.type, decimalTargets));
      } catch (error) {
        if (!(error instanceof UnmappableColumnTypeError)) throw error;
        throw new UnmappableColumnTypeError(`column ${column.name}: ${error.message}`);
      }
    });
  return [
    nullable(OP_COLUMN, 'STRING'),
    nullable(TIMESTAMP_COLUMN, 'STRING'),
    ...columns,
    nullable(CHANGE_SEQ_COLUMN, 'STRING'),
  ];
}
