import { BIGNUMERIC_FIELD, scaleToBignumeric } from '../store/bignumeric.js';

/**
 * Which protobuf field types each BigQuery column type accepts ("Supported protocol buffer and Arrow
 * data types"). Packed encodings that need Java helpers (CivilTimeEncoder for DATETIME/TIME as
 * int64, BigDecimalByteStringEncoder for NUMERIC as bytes) are left out: no Node client sends them.
 */
export const acceptedProtoTypes: Record<string, readonly string[]> = {
  BOOLEAN: ['bool', 'int32', 'int64', 'uint32', 'uint64'],
  BYTES: ['bytes', 'string'],
  DATE: ['int32', 'int64', 'string'],
  DATETIME: ['string'],
  TIME: ['string'],
  FLOAT: ['double', 'float'],
  INTEGER: ['int32', 'int64', 'uint32'],
  JSON: ['string'],
  NUMERIC: ['int32', 'int64', 'uint32', 'uint64', 'double', 'float', 'string'],
  BIGNUMERIC: ['int32', 'int64', 'uint32', 'uint64', 'double', 'float', 'string'],
  STRING: ['string'],
  TIMESTAMP: ['int64', 'int32', 'uint32'],
};

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** DATE as days since the epoch, TIMESTAMP as microseconds: BigQuery's documented ranges. */
const DATE_DAYS = [-719162n, 2932896n] as const;
const TIMESTAMP_MICROS = [-62135596800000000n, 253402300799999999n] as const;
const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?$/;

/**
 * A decoded value as text that DuckDB turns into the column's type with `sqlOfText` (the rows of a
 * request are appended as text, then converted by one INSERT … SELECT), or the problem BigQuery
 * would report for the row.
 */
export type SqlValue = { text: string } | { problem: string };

const ok = (text: string): SqlValue => ({ text });
const bad = (problem: string): SqlValue => ({ problem });

/** The DuckDB expression turning `expression` (the text of `SqlValue`) into a value of `type`. */
export function sqlOfText(type: string, expression: string): string {
  switch (type) {
    case 'BOOLEAN':
      return `CAST(${expression} AS BOOLEAN)`;
    case 'INTEGER':
      return `CAST(${expression} AS BIGINT)`;
    case 'FLOAT':
      return `CAST(${expression} AS DOUBLE)`;
    case 'NUMERIC':
      return `CAST(${expression} AS DECIMAL(38,9))`;
    case 'BIGNUMERIC':
      return `{'${BIGNUMERIC_FIELD}': CAST(${expression} AS BIGNUM)}`;
    case 'JSON':
      return `CAST(${expression} AS JSON)`;
    case 'BYTES':
      return `from_hex(${expression})`;
    case 'DATE':
      return `CAST(${expression} AS DATE)`;
    case 'DATETIME':
      return `CAST(${expression} AS TIMESTAMP)`;
    case 'TIME':
      return `CAST(${expression} AS TIME)`;
    case 'TIMESTAMP':
      return `CAST(make_timestamp(CAST(${expression} AS BIGINT)) AS TIMESTAMPTZ)`;
    default:
      return expression;
  }
}
function integerText(value: unknown): bigint | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return undefined;
}

function decimal(text: string, type: 'NUMERIC' | 'BIGNUMERIC'): SqlValue {
  const match = DECIMAL.exec(text.trim());
  if (match === null) return bad(`Invalid ${type} value: ${text}`);
  const [, sign = '', whole = '', fraction = ''] = match;
  if (type === 'NUMERIC') {
    if (whole.replace(/^0+/, '').length > 29 || fraction.replace(/0+$/, '').length > 9) {
      return bad(`Invalid NUMERIC value: ${text} (out of range or more than 9 decimals)`);
    }
    return ok(`${sign}${whole}.${fraction || '0'}`);
  }
  const scaled = scaleToBignumeric(BigInt(`${sign}${whole}${fraction}`), fraction.length);
  if (typeof scaled === 'string') return bad(`Invalid BIGNUMERIC value: ${text} ${scaled}`);
  return ok(scaled.toString());
}

function calendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (match === null) return false;
  const date = new Date(Date.UTC(2000, Number(match[2]) - 1, Number(match[3])));
  date.setUTCFullYear(Number(match[1]));
  return date.toISOString().slice(5, 10) === `${match[2]}-${match[3]}` && Number(match[1]) >= 1;
}

/**
 * The DuckDB SQL for one decoded proto value in a column of `type` (values already checked against
 * `acceptedProtoTypes`), or the problem BigQuery would report for the row.
 */
export function sqlValue(type: string, protoType: string, value: unknown): SqlValue {
  const text = Buffer.isBuffer(value) ? '' : String(value);
  switch (type) {
    case 'BOOLEAN':
      return ok(
        protoType === 'bool' ? String(value === true).toUpperCase() : text === '0' ? 'FALSE' : 'TRUE',
      );
    case 'INTEGER': {
      const integer = integerText(value);
      if (integer === undefined || integer < INT64_MIN || integer > INT64_MAX)
        return bad(`Invalid INT64 value: ${text}`);
      return ok(integer.toString());
    }
    case 'FLOAT':
      return ok(String(value));
    case 'NUMERIC':
    case 'BIGNUMERIC':
      if (typeof value === 'number' && !Number.isFinite(value)) return bad(`Invalid ${type} value: ${text}`);
      return decimal(typeof value === 'number' ? String(value) : text, type);
    case 'STRING':
      return ok(text);
    case 'JSON':
      try {
        JSON.parse(text);
      } catch {
        return bad(`Invalid JSON value: ${text}`);
      }
      return ok(text);
    case 'BYTES': {
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(text, 'utf8');
      return ok(bytes.toString('hex'));
    }
    case 'DATE': {
      if (protoType === 'string') {
        return /^\d{4}-\d{2}-\d{2}$/.test(text) && calendarDate(text)
          ? ok(text)
          : bad(`Invalid DATE value: ${text}`);
      }
      const days = integerText(value);
      if (days === undefined || days < DATE_DAYS[0] || days > DATE_DAYS[1])
        return bad(`Invalid DATE value: ${text}`);
      return ok(new Date(Number(days) * 86_400_000).toISOString().slice(0, 10));
    }
    case 'DATETIME':
      return /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/.test(text) && calendarDate(text)
        ? ok(text.replace('T', ' '))
        : bad(`Invalid DATETIME value: ${text}`);
    case 'TIME':
      return /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?$/.test(text)
        ? ok(text)
        : bad(`Invalid TIME value: ${text}`);
    case 'TIMESTAMP': {
      const micros = integerText(value);
      if (micros === undefined || micros < TIMESTAMP_MICROS[0] || micros > TIMESTAMP_MICROS[1])
        return bad(`Invalid TIMESTAMP value: ${text}`);
      return ok(micros.toString());
    }
    default:
      return bad(`The BigQuery emulator does not write ${type} columns through the Storage Write API`);
  }
}
