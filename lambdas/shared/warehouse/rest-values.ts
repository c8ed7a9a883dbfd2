import type { TableField } from '@google-cloud/bigquery';
import { legacyType } from '../bigquery/column-types.js';

/** A changelog column whose values a CDC row cannot carry (RECORD, REPEATED, JSON, GEOGRAPHY …). */
export class UnsupportedColumnError extends Error {
  override name = 'UnsupportedColumnError';
}

const DAY_MS = 86_400_000;
const DATE = /^(-?\d{1,4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a `YYYY-MM-DD` date (years 1–99 included, which Date.UTC would shift). */
export function epochDays(text: string): number {
  const match = DATE.exec(text);
  if (match === null) throw new Error(`Invalid DATE "${text}": expected YYYY-MM-DD`);
  const [, year, month, day] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  return Math.round(date.getTime() / DAY_MS);
}

/**
 * One cell of a jobs.getQueryResults row, as BigQuery sends it (`{ v }`, read with `skipParsing` and
 * `formatOptions.useInt64Timestamp`), in the canonical form of lambdas/shared/bigquery/cdc-stream.ts.
 * The text is converted without a detour through JavaScript numbers: INT64 stays a decimal string,
 * NUMERIC/BIGNUMERIC keep every digit, TIMESTAMP is exact microseconds.
 */
export function canonicalValue(field: TableField, text: unknown): unknown {
  if (text === null || text === undefined) return null;
  const name = field.name ?? '';
  if (field.mode === 'REPEATED' || typeof text !== 'string') {
    throw new UnsupportedColumnError(
      `column ${name}: ${field.mode === 'REPEATED' ? 'REPEATED' : (field.type ?? '?')} columns cannot be streamed to a CDC table`,
    );
  }
  switch (legacyType(field.type ?? '')) {
    case 'INTEGER':
    case 'NUMERIC':
    case 'BIGNUMERIC':
    case 'STRING':
    case 'DATETIME':
    case 'TIME':
      return text;
    case 'FLOAT':
      return Number(text);
    case 'BOOLEAN':
      return text === 'true';
    case 'BYTES':
      return new Uint8Array(Buffer.from(text, 'base64'));
    case 'DATE':
      return epochDays(text);
    case 'TIMESTAMP':
      if (!/^-?\d+$/.test(text)) {
        throw new Error(`column ${name}: TIMESTAMP "${text}" is not int64 microseconds (useInt64Timestamp)`);
      }
      return BigInt(text);
    default:
      throw new UnsupportedColumnError(
        `column ${name}: type ${field.type ?? '?'} cannot be streamed to a CDC table by this project`,
      );
  }
}

/** A jobs.getQueryResults row (`{ f: [{ v }, …] }`) as column name → raw text, by the response schema. */
export function rowCells(fields: readonly TableField[], row: unknown): Map<string, unknown> {
  const cells = (row as { f?: { v?: unknown }[] }).f ?? [];
  return new Map(fields.map((field, index) => [field.name ?? '', cells[index]?.v ?? null]));
}
