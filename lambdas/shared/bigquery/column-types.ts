import type { SchemaElement } from 'hyparquet';

/**
 * The BigQuery type a Parquet column loads as, with this project's load configuration
 * (reference/bigquery-loads.md: INT32/INT64 → INT64, FLOAT/DOUBLE → FLOAT64, UTF8 → STRING,
 * DECIMAL → the first of NUMERIC, BIGNUMERIC, STRING that holds it, enumAsString). Legacy names, as
 * tables.get answers. Undefined where the mapping is not certain (JSON, nested groups): such a
 * column is never reported as a conflict, so a guess can never send a good file to the DLQ.
 */
export function bigQueryTypeOfParquet(element: SchemaElement): string | undefined {
  const logical = element.logical_type;
  if (logical?.type === 'DECIMAL') return decimalTarget(logical.precision, logical.scale);
  if (element.converted_type === 'DECIMAL') return decimalTarget(element.precision ?? 0, element.scale ?? 0);
  if (logical?.type === 'DATE' || element.converted_type === 'DATE') return 'DATE';
  if (logical?.type === 'TIMESTAMP') return 'TIMESTAMP';
  if (element.converted_type === 'TIMESTAMP_MILLIS' || element.converted_type === 'TIMESTAMP_MICROS') {
    return 'TIMESTAMP';
  }
  if (logical?.type === 'TIME' || element.converted_type?.startsWith('TIME_')) return 'TIME';
  if (logical?.type === 'JSON' || element.converted_type === 'JSON') return undefined;
  switch (element.type) {
    case 'BOOLEAN':
      return 'BOOLEAN';
    case 'INT32':
    case 'INT64':
      return 'INTEGER';
    case 'INT96':
      return 'TIMESTAMP';
    case 'FLOAT':
    case 'DOUBLE':
      return 'FLOAT';
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY': {
      const text =
        logical?.type === 'STRING' ||
        logical?.type === 'ENUM' ||
        element.converted_type === 'UTF8' ||
        element.converted_type === 'ENUM';
      return text ? 'STRING' : 'BYTES';
    }
    default:
      // A group (struct, list, map) has no physical type (parquet.thrift SchemaElement.type: "Not set
      // if the current element is a non-leaf node").
      return undefined;
  }
}

/** NUMERIC: scale ≤ 9 and ≤ 29 integer digits; BIGNUMERIC: scale ≤ 38 and ≤ 38 integer digits. */
function decimalTarget(precision: number, scale: number): string {
  if (scale <= 9 && precision - scale <= 29) return 'NUMERIC';
  if (scale <= 38 && precision - scale <= 38) return 'BIGNUMERIC';
  return 'STRING';
}

const LEGACY: Record<string, string> = {
  INT64: 'INTEGER',
  FLOAT64: 'FLOAT',
  BOOL: 'BOOLEAN',
  DECIMAL: 'NUMERIC',
  BIGDECIMAL: 'BIGNUMERIC',
};
export const legacyType = (type: string): string => LEGACY[type.toUpperCase()] ?? type.toUpperCase();

const GOOGLE_SQL: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL' };
/** `INT64` for `INTEGER`: the names `ALTER COLUMN … SET DATA TYPE` and the docs use. */
export const googleSqlType = (type: string): string => GOOGLE_SQL[legacyType(type)] ?? legacyType(type);

/**
 * The widenings `ALTER TABLE … ALTER COLUMN … SET DATA TYPE` accepts: it changes a column "to a less
 * restrictive data type" (GoogleSQL DDL reference), that is one in the "Coerce to" column of the
 * Conversion rules table: INT64 → NUMERIC, BIGNUMERIC, FLOAT64; NUMERIC → BIGNUMERIC, FLOAT64;
 * BIGNUMERIC → FLOAT64.
 */
const COERCIBLE: Record<string, readonly string[]> = {
  INTEGER: ['NUMERIC', 'BIGNUMERIC', 'FLOAT'],
  NUMERIC: ['BIGNUMERIC', 'FLOAT'],
  BIGNUMERIC: ['FLOAT'],
};

export const isWidening = (from: string, to: string): boolean =>
  (COERCIBLE[legacyType(from)] ?? []).includes(legacyType(to));

/** One column whose type in the file differs from the table's. */
export interface TypeConflict {
  column: string;
  /** The table's type (legacy name). */
  tableType: string;
  /** The type the file's column loads as. */
  fileType: string;
  widening: boolean;
}

/** Columns present in both (names compare case-insensitively, as BigQuery's do) with different types. */
export function typeConflicts(
  table: readonly { name?: string; type?: string }[],
  file: readonly { name: string; bigqueryType?: string }[],
): TypeConflict[] {
  const tableTypes = new Map(table.map((field) => [field.name?.toLowerCase(), legacyType(field.type ?? '')]));
  return file.flatMap((column) => {
    const tableType = tableTypes.get(column.name.toLowerCase());
    const fileType = column.bigqueryType;
    if (tableType === undefined || fileType === undefined || tableType === fileType) return [];
    return [{ column: column.name, tableType, fileType, widening: isWidening(tableType, fileType) }];
  });
}
