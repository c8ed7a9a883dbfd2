import { parseMysqlType, type SimType } from './column-types.js';
import { decimalText, isoDate, isoMicros, type SimValue } from './values.js';

/**
 * The canonical JSON form of a value in the ground truth, chosen so a reconciliation against
 * BigQuery query results (or any Parquet reader) compares exactly:
 *
 * | MySQL type                         | canonical JSON                                         |
 * |------------------------------------|--------------------------------------------------------|
 * | TINYINT…BIGINT, YEAR, TINYINT(1)   | number (string if beyond ±2^53)                          |
 * | DECIMAL(p,s)                       | string with exactly s decimals: "12.50", "-0.0100000000" |
 * | FLOAT, DOUBLE                      | number                                                 |
 * | BIT(1)                             | boolean                                                |
 * | DATE                               | "YYYY-MM-DD"                                           |
 * | DATETIME, TIMESTAMP                | "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC, 6 digits)          |
 * | CHAR, VARCHAR, TEXT, JSON, ENUM,   | string (JSON as the text DMS writes)                   |
 * | SET, TIME                          |                                                        |
 * | BINARY, VARBINARY, BLOB, BIT(n>1)  | base64 string (BigQuery's BYTES form)                  |
 * | NULL                               | null                                                   |
 */
export type JsonValue = string | number | boolean | null;

/** A value as a reader hands it out (hyparquet, DuckDB casts, BigQuery rows). */
export type ReaderValue = JsonValue | bigint | Date | Uint8Array | undefined;

/** Canonical form of a value the simulator generated (its internal representation). */
export function canonicalOf(type: SimType, value: SimValue): JsonValue {
  if (value === null) return null;
  switch (type.kind) {
    case 'decimal':
      return decimalText(value as number, type.scale);
    case 'date':
      return isoDate(value as number);
    case 'datetime':
      return isoMicros(value as number);
    case 'binary':
      return Buffer.from(value as string, 'hex').toString('base64');
    default:
      return value;
  }
}

const typeCache = new Map<string, SimType>();

/**
 * Canonical form of `value` read back from any reader for a column declared as `mysqlType`
 * (e.g. `canonicalValue('decimal(18,2)', 12.5) === '12.50'`). Accepts numbers, bigints, strings,
 * booleans, Dates, byte arrays and null/undefined. For DATETIME/TIMESTAMP a number or bigint means
 * microseconds since the epoch and a string may be ISO or `yyyy-MM-dd HH:mm:ss[.ffffff][+00]`; a
 * DECIMAL bigint is the integral value (not unscaled); a DATE number is days since the epoch.
 */
export function canonicalValue(mysqlType: string, value: ReaderValue): JsonValue {
  let type = typeCache.get(mysqlType);
  if (!type) {
    type = parseMysqlType(mysqlType);
    typeCache.set(mysqlType, type);
  }
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'int': {
      const number = typeof value === 'string' ? Number(value) : Number(value as number | bigint);
      if (typeof value === 'bigint' && !Number.isSafeInteger(number)) return value.toString();
      return number;
    }
    case 'decimal':
      return canonicalDecimal(value, type.scale);
    case 'float':
    case 'double':
      return Number(value);
    case 'bool':
      return value === true || value === 1 || value === 'true';
    case 'date':
      return canonicalDate(value);
    case 'datetime':
      return canonicalTimestamp(value);
    case 'binary':
      return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : String(value);
    case 'string':
      return value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value);
  }
}

function canonicalDecimal(value: ReaderValue, scale: number): string {
  if (typeof value === 'number') return value.toFixed(scale);
  if (typeof value === 'bigint') return decimalText(value * 10n ** BigInt(scale), scale);
  const text = String(value).trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match) throw new TypeError(`not a decimal: ${text}`);
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > scale && /[1-9]/.test(fraction.slice(scale))) {
    throw new TypeError(`decimal ${text} has more than ${scale} significant decimals`);
  }
  const digits = `${(whole ?? '').replace(/^0+(?=\d)/, '') || '0'}`;
  const decimals = fraction.slice(0, scale).padEnd(scale, '0');
  const zero = /^0*$/.test(digits + decimals);
  const body = scale === 0 ? digits : `${digits}.${decimals}`;
  return sign === '-' && !zero ? `-${body}` : body;
}

function canonicalDate(value: ReaderValue): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'number') return isoDate(value);
  return String(value).slice(0, 10);
}

/**
 * Dates carry milliseconds only; strings keep up to microseconds (`…10:00:00.123456+00`, `…Z`).
 * A nanosecond rendering (`.196041000Z`, as the BigQuery client prints a DATETIME(6) value) has
 * zeros past the microseconds: BigQuery's TIMESTAMP precision is the microsecond.
 */
function canonicalTimestamp(value: ReaderValue): string {
  if (value instanceof Date) return isoMicros(value.getTime() * 1000);
  if (typeof value === 'bigint' || typeof value === 'number') return isoMicros(Number(value));
  const match =
    /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6})(?:0{1,3})?)?(?:Z|[+-]00(?::?00)?)?$/.exec(
      String(value).trim(),
    );
  if (!match) throw new TypeError(`not a UTC timestamp: ${String(value)}`);
  return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(6, '0')}Z`;
}
