import type { TableField } from '@google-cloud/bigquery';
import protobuf from 'protobufjs';

/**
 * Encodes canonical values (see cdc-stream.ts `ChangeRow`) as the proto2 message the client's
 * `adapt.convertStorageSchemaToProto2Descriptor` describes for the table: field i+1 is column i,
 * `_CHANGE_SEQUENCE_NUMBER` is 991 and `_CHANGE_TYPE` is 992. The protobuf types per column type are
 * BigQuery's "Supported protocol buffer and Arrow data types": INT64 and TIMESTAMP (µs) as int64,
 * DATE (days) as int32, NUMERIC/BIGNUMERIC/DATETIME/TIME/JSON/GEOGRAPHY as string.
 */

/** A value that does not fit its column: the message names the column and the value. */
export class CdcValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CdcValueError';
  }
}

type Convert<T> = (value: unknown, column: string) => T;
type Int64 = { low: number; high: number };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

const refuse = (column: string, value: unknown, expected: string): never => {
  throw new CdcValueError(`column ${column}: ${shownValue(value).slice(0, 80)} is not ${expected}`);
};

/**
 * The value as an operator finds it in the source row: a bigint (also inside an object) as `12n`,
 * NaN, Infinity and an invalid Date by name rather than JSON's `null`, and never a TypeError of its
 * own (JSON.stringify throws on a bigint or a cycle), which would hide the column from the message.
 */
function shownValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  const numeric = typeof value === 'number' || value instanceof Date;
  if (numeric && !Number.isFinite(Number(value))) return String(value);
  try {
    return (
      JSON.stringify(value, (_key, inner) => (typeof inner === 'bigint' ? `${inner}n` : inner)) ??
      String(value)
    );
  } catch {
    return String(value);
  }
}

/** int64 as protobufjs's LongBits takes it (low/high words), so no precision goes through a double. */
function int64(value: bigint, column: string): Int64 {
  if (value < INT64_MIN || value > INT64_MAX) refuse(column, value, 'within INT64');
  return { low: Number(BigInt.asIntN(32, value)), high: Number(BigInt.asIntN(32, value >> 32n)) };
}

const integer: Convert<Int64> = (value, column) => {
  if (typeof value === 'bigint') return int64(value, column);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return int64(BigInt(value), column);
  if (typeof value === 'string' && INTEGER_TEXT.test(value)) return int64(BigInt(value), column);
  return refuse(column, value, 'an integer (bigint, safe integer number or decimal string)');
};

const timestamp: Convert<Int64> = (value, column) => {
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    return int64(BigInt(value.getTime()) * 1000n, column);
  }
  if (typeof value === 'bigint') return int64(value, column);
  return refuse(column, value, 'a TIMESTAMP (bigint microseconds since 1970 or Date)');
};

const date: Convert<number> = (value, column) =>
  typeof value === 'number' && Number.isInteger(value)
    ? value
    : refuse(column, value, 'a DATE (integer days since 1970-01-01)');

const float: Convert<number> = (value, column) =>
  typeof value === 'number' ? value : refuse(column, value, 'a FLOAT64 (number)');

const decimal: Convert<string> = (value, column) => {
  if (typeof value === 'string' && DECIMAL_TEXT.test(value)) return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return refuse(column, value, 'a decimal string');
};

const text: Convert<string> = (value, column) =>
  typeof value === 'string' ? value : refuse(column, value, 'a string');

const json: Convert<string> = (value, column) => {
  if (typeof value === 'string') return value;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // A bigint or a cycle inside the value: JSON has no text for it (the Parquet path gives JSON as text).
  }
  return text ?? refuse(column, value, 'JSON text');
};

const bool: Convert<boolean> = (value, column) =>
  typeof value === 'boolean' ? value : refuse(column, value, 'a BOOL (boolean)');

const bytes: Convert<Uint8Array> = (value, column) =>
  value instanceof Uint8Array ? value : refuse(column, value, 'BYTES (Uint8Array)');

/** Writes one value after its tag; `wireType` is protobuf's: varint 0, 64-bit 1, length-delimited 2. */
interface Encoding {
  wireType: number;
  write(writer: protobuf.Writer, value: unknown, column: string): void;
}

// protobufjs's LongBits takes any { low, high } object for int64, which keeps every bit of a bigint.
const asLong = (value: Int64): protobuf.Long => value as protobuf.Long;
const int64Encoding = (convert: Convert<Int64>): Encoding => ({
  wireType: 0,
  write: (writer, value, column) => writer.int64(asLong(convert(value, column))),
});
const stringEncoding = (convert: Convert<string>): Encoding => ({
  wireType: 2,
  write: (writer, value, column) => writer.string(convert(value, column)),
});
const floatEncoding: Encoding = {
  wireType: 1,
  write: (writer, value, column) => writer.double(float(value, column)),
};
const boolEncoding: Encoding = {
  wireType: 0,
  write: (writer, value, column) => writer.bool(bool(value, column)),
};

const byType: Record<string, Encoding> = {
  INTEGER: int64Encoding(integer),
  INT64: int64Encoding(integer),
  FLOAT: floatEncoding,
  FLOAT64: floatEncoding,
  NUMERIC: stringEncoding(decimal),
  BIGNUMERIC: stringEncoding(decimal),
  STRING: stringEncoding(text),
  GEOGRAPHY: stringEncoding(text),
  JSON: stringEncoding(json),
  BYTES: { wireType: 2, write: (writer, value, column) => writer.bytes(bytes(value, column)) },
  BOOLEAN: boolEncoding,
  BOOL: boolEncoding,
  TIMESTAMP: int64Encoding(timestamp),
  DATE: { wireType: 0, write: (writer, value, column) => writer.int32(date(value, column)) },
  DATETIME: stringEncoding(text),
  TIME: stringEncoding(text),
};

export const CHANGE_SEQUENCE_FIELD = 991;
export const CHANGE_TYPE_FIELD = 992;

interface ColumnEncoding extends Encoding {
  name: string;
  number: number;
}

export interface RowEncoder {
  /** One serialized row; throws CdcValueError for a value that does not fit or an unknown column. */
  encode(values: Record<string, unknown>, changeType: string, sequence: string): Uint8Array;
}

/** An encoder for rows of a table with `fields` (scalar columns only: CDC rows here are flat). */
export function rowEncoder(table: string, fields: readonly TableField[]): RowEncoder {
  const columns = new Map<string, ColumnEncoding>();
  fields.forEach((field, index) => {
    const type = (field.type ?? '').toUpperCase();
    const encoding = byType[type];
    if (encoding === undefined || field.mode === 'REPEATED') {
      throw new CdcValueError(
        `table ${table}: column ${field.name} (${field.mode === 'REPEATED' ? 'REPEATED ' : ''}${type}) cannot be streamed to a CDC table`,
      );
    }
    const name = field.name ?? '';
    columns.set(name, { name, number: index + 1, ...encoding });
  });
  const lowerCase = new Map([...columns.values()].map((column) => [column.name.toLowerCase(), column]));

  return {
    encode(values, changeType, sequence) {
      const writer = protobuf.Writer.create();
      // for…in, not Object.entries: no pair arrays per row, which a big file pays for in GC.
      for (const name in values) {
        const value = values[name];
        const column = columns.get(name) ?? lowerCase.get(name.toLowerCase());
        if (column === undefined) {
          throw new CdcValueError(`table ${table} has no column ${name}: add it to the table first`);
        }
        if (value === null || value === undefined) continue;
        writer.uint32((column.number << 3) | column.wireType);
        column.write(writer, value, column.name);
      }
      writer.uint32((CHANGE_SEQUENCE_FIELD << 3) | 2).string(sequence);
      writer.uint32((CHANGE_TYPE_FIELD << 3) | 2).string(changeType);
      return writer.finish();
    },
  };
}
