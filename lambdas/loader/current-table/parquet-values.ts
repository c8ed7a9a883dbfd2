import type { ParquetParsers, SchemaElement } from 'hyparquet';

/**
 * Parquet values → the canonical values of lambdas/shared/bigquery/cdc-stream.ts, by the BigQuery
 * type of the column they go to. hyparquet is read with `utf8: false` and the parsers below, and
 * DECIMAL annotations are taken off the schema before reading (see `rawDecimals`), so what arrives
 * here is exact: integers as number/bigint, timestamps as bigint microseconds, dates as days,
 * decimals as their unscaled integer, binary as Uint8Array.
 */

const text = new TextDecoder();

/** Timestamps stay integers (µs since 1970, as TIMESTAMP is streamed); DATE stays days; JSON stays text. */
export const exactParsers: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (millis) => millis * 1000n,
  timestampFromMicroseconds: (micros) => micros,
  timestampFromNanoseconds: (nanos) => nanos / 1000n,
  dateFromDays: (days) => days,
  jsonFromBytes: (bytes) => bytes && text.decode(bytes),
};

/** A value that cannot be written to its column; the message names the column. */
export class ParquetValueError extends Error {
  override name = 'ParquetValueError';
}

export type Decode = (value: unknown) => unknown;

/** Big-endian two's complement, as Parquet stores an unscaled DECIMAL in (fixed-length) byte arrays. */
function unscaledOf(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  const bytes = value as Uint8Array;
  let unscaled = 0n;
  for (const byte of bytes) unscaled = (unscaled << 8n) | BigInt(byte);
  const bits = BigInt(bytes.length * 8);
  return bytes.length > 0 && (bytes[0] ?? 0) & 0x80 ? unscaled - (1n << bits) : unscaled;
}

export function decimalText(unscaled: bigint, scale: number): string {
  if (scale <= 0) return (unscaled * 10n ** BigInt(-scale)).toString();
  const sign = unscaled < 0n ? '-' : '';
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

const decimalScale = (element: SchemaElement): number | undefined => {
  if (element.logical_type?.type === 'DECIMAL') return element.logical_type.scale;
  if (element.converted_type === 'DECIMAL') return element.scale ?? 0;
  return undefined;
};

/** Takes DECIMAL annotations off the leaf elements (hyparquet would round them to a double); returns their scales. */
export function rawDecimals(schema: SchemaElement[]): Map<string, number> {
  const scales = new Map<string, number>();
  for (const element of schema) {
    const scale = decimalScale(element);
    if (scale === undefined || element.num_children) continue;
    scales.set(element.name, scale);
    element.converted_type = undefined;
    element.logical_type = undefined;
  }
  return scales;
}

/** TIME's unit: hyparquet hands TIME over unconverted (INT32 ms, INT64 µs or ns). */
function timeUnit(element: SchemaElement): { multiply: bigint; divide: bigint } | undefined {
  const logical = element.logical_type;
  const unit = logical?.type === 'TIME' ? logical.unit : undefined;
  if (unit === 'MILLIS' || element.converted_type === 'TIME_MILLIS') return { multiply: 1000n, divide: 1n };
  if (unit === 'MICROS' || element.converted_type === 'TIME_MICROS') return { multiply: 1n, divide: 1n };
  if (unit === 'NANOS') return { multiply: 1n, divide: 1000n };
  return undefined;
}

const pad = (value: bigint | number, width = 2): string => value.toString().padStart(width, '0');

function clockText(micros: bigint): string {
  const seconds = micros / 1_000_000n;
  const fraction = micros % 1_000_000n;
  const clock = `${pad(seconds / 3600n)}:${pad((seconds / 60n) % 60n)}:${pad(seconds % 60n)}`;
  return fraction === 0n ? clock : `${clock}.${pad(fraction, 6)}`;
}

/** DATETIME's canonical text of a wall-clock instant given as µs since 1970-01-01T00:00. */
function datetimeText(micros: bigint): string {
  const floorMillis = micros >= 0n ? micros / 1000n : (micros - 999n) / 1000n;
  const date = new Date(Number(floorMillis)).toISOString().slice(0, 10);
  const dayMicros = ((micros % 86_400_000_000n) + 86_400_000_000n) % 86_400_000_000n;
  return `${date} ${clockText(dayMicros)}`;
}

const asBigInt = (value: unknown): bigint | undefined =>
  typeof value === 'bigint'
    ? value
    : typeof value === 'number' && Number.isInteger(value)
      ? BigInt(value)
      : undefined;

/**
 * The decoder of one column: its Parquet element (annotations as in the file, decimal scale from
 * `rawDecimals`) and the BigQuery type of the current table's column.
 */
export function columnDecoder(
  element: SchemaElement,
  scale: number | undefined,
  bigqueryType: string,
): Decode {
  const column = element.name;
  const fail = (value: unknown, why: string): never => {
    const shown = typeof value === 'bigint' ? String(value) : JSON.stringify(value)?.slice(0, 60);
    throw new ParquetValueError(`column ${column}: ${shown} ${why}`);
  };
  if (scale !== undefined) {
    return (value) => (value === null || value === undefined ? null : decimalText(unscaledOf(value), scale));
  }
  const time = timeUnit(element);
  switch (bigqueryType) {
    case 'TIME':
      return (value) => {
        const raw = asBigInt(value);
        if (raw === undefined || time === undefined) return value ?? null;
        return clockText((raw * time.multiply) / time.divide);
      };
    case 'DATETIME':
      return (value) => {
        if (value === null || value === undefined || typeof value === 'string') return value ?? null;
        const micros = asBigInt(value);
        return micros === undefined ? fail(value, 'is not a DATETIME') : datetimeText(micros);
      };
    case 'TIMESTAMP':
      return (value) => {
        if (value === null || value === undefined) return null;
        return asBigInt(value) ?? (value instanceof Date ? value : fail(value, 'is not a TIMESTAMP'));
      };
    case 'FLOAT':
    case 'FLOAT64':
      return (value) => (typeof value === 'bigint' ? Number(value) : (value ?? null));
    case 'STRING':
    case 'JSON':
      return (value) => {
        if (value instanceof Uint8Array) return text.decode(value);
        return typeof value === 'bigint' || typeof value === 'number' ? String(value) : (value ?? null);
      };
    case 'BYTES':
      return (value) => (typeof value === 'string' ? new TextEncoder().encode(value) : (value ?? null));
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return (value) =>
        typeof value === 'bigint' || typeof value === 'number' ? String(value) : (value ?? null);
    default:
      return (value) => value ?? null;
  }
}
