import type { DuckDBConnection } from '@duckdb/node-api';
import { JobFailureError } from '../errors.js';
import { quoteIdent, quoteString } from '../types.js';
import type { FileColumn } from './parquet-schema.js';

/**
 * GoogleSQL data types: TIMESTAMP "0001-01-01 00:00:00 to 9999-12-31 23:59:59.999999 UTC", DATE
 * "0001-01-01 to 9999-12-31", DATETIME likewise, NUMERIC 29 integer digits and 9 decimals. DuckDB
 * holds wider ranges, so every value is checked before it is stored; one bad value fails the
 * whole load, as BigQuery fails the file.
 */
const MIN_MICROS = -62135596800000000n;
const MAX_MICROS = 253402300799999999n;
const MIN_DAYS = -719162n;
const MAX_DAYS = 2932896n;

interface Check {
  /** SQL aggregate over the file giving the first offending value as text, or NULL. */
  sql: string;
  message: (value: string) => string;
}

const readError = (detail: string): string => `Error while reading data, error message: ${detail}`;

function checksOf(column: FileColumn, targetType: string): Check[] {
  const name = column.field.name;
  const ref = quoteIdent(name);
  const type = column.field.type;
  if (column.unsigned64) {
    return [
      {
        sql: `max(${ref}) FILTER (WHERE ${ref} > 9223372036854775807)::VARCHAR`,
        message: (value) => `Value ${value} in column ${name} is out of range for INT64`,
      },
    ];
  }
  if (type === 'TIMESTAMP' || type === 'DATETIME') {
    const micros = `epoch_us(${ref})`;
    const kind = type.toLowerCase();
    return [
      {
        sql: `coalesce(min(${micros}) FILTER (WHERE ${micros} < ${MIN_MICROS}), max(${micros}) FILTER (WHERE ${micros} > ${MAX_MICROS}))::VARCHAR`,
        message: (value) =>
          readError(
            `Invalid ${kind} value ${value} for field '${name}': generic::out_of_range: Cannot return an invalid ${kind} value of ${value} microseconds relative to the Unix epoch. The range of valid ${kind} values is [0001-01-01 00:00:00, 9999-12-31 23:59:59.999999]`,
          ),
      },
    ];
  }
  if (type === 'DATE') {
    const days = `(${ref} - DATE '1970-01-01')`;
    return [
      {
        sql: `coalesce(min(${days}) FILTER (WHERE ${days} < ${MIN_DAYS}), max(${days}) FILTER (WHERE ${days} > ${MAX_DAYS}))::VARCHAR`,
        message: (value) =>
          readError(
            `Invalid date value ${value} for field '${name}': generic::out_of_range: Cannot return an invalid date value of ${value} days relative to the Unix epoch. The range of valid date values is [0001-01-01, 9999-12-31]`,
          ),
      },
    ];
  }
  const decimal = column.decimal;
  if (decimal !== undefined && !decimal.wide && targetType === 'NUMERIC') {
    // Picked as the widest listed type although it does not hold DECIMAL(p, s): values must still fit.
    const checks: Check[] = [];
    if (decimal.precision - decimal.scale > 29) {
      checks.push({
        sql: `max(abs(${ref})) FILTER (WHERE abs(${ref}) >= 1e29)::VARCHAR`,
        message: (value) => readError(`Invalid NUMERIC value ${value} for field '${name}': out of range`),
      });
    }
    if (decimal.scale > 9) {
      checks.push({
        sql: `min(${ref}) FILTER (WHERE ${ref} <> round(${ref}, 9))::VARCHAR`,
        message: (value) =>
          readError(`Invalid NUMERIC value ${value} for field '${name}': more than 9 decimal digits`),
      });
    }
    return checks;
  }
  return [];
}

/** One pass over the file for every column that needs a range check; throws for the first failure. */
export async function checkValues(
  connection: DuckDBConnection,
  filePath: string,
  columns: FileColumn[],
  targetTypeOf: (column: FileColumn) => string,
): Promise<void> {
  const checks = columns.flatMap((column) => checksOf(column, targetTypeOf(column)));
  if (checks.length === 0) return;
  const result = await connection.runAndReadAll(
    `SELECT ${checks.map((check) => check.sql).join(', ')} FROM read_parquet(${quoteString(filePath)})`,
  );
  const values = result.getRowsJson()[0] ?? [];
  checks.forEach((check, index) => {
    const value = values[index];
    if (value !== null && value !== undefined) {
      throw new JobFailureError('invalid', check.message(String(value)));
    }
  });
}
