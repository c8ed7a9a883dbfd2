import { quoteIdent, type TableFieldSchema } from '../types.js';
import { logicalBytes } from './resources.js';

/**
 * The DuckDB expression of one value's size in BigQuery's "data size calculation" (the bytes a
 * query is billed for and tables.get reports as `numBytes`): fixed-width types their size, STRING
 * and BYTES 2 + their bytes, JSON its UTF-8 text, NULL 0. Nested and repeated values, which the
 * pipeline never writes, count 16 bytes each when present.
 */
export function valueSize(field: TableFieldSchema): string {
  const column = quoteIdent(field.name);
  const fixed = logicalBytes[field.type];
  if (field.mode === 'REPEATED' || field.type === 'RECORD' || field.type === 'STRUCT') {
    return `(CASE WHEN ${column} IS NULL THEN 0 ELSE 16 END)`;
  }
  if (fixed !== undefined) return `(CASE WHEN ${column} IS NULL THEN 0 ELSE ${fixed} END)`;
  if (field.type === 'BYTES') return `COALESCE(2 + octet_length(${column}), 0)`;
  if (field.type === 'JSON') return `COALESCE(strlen(CAST(${column} AS VARCHAR)), 0)`;
  return `COALESCE(2 + strlen(CAST(${column} AS VARCHAR)), 0)`;
}

/** `SELECT` list computing a table's row count and logical bytes in one scan. */
export function sizeQuery(table: string, fields: readonly TableFieldSchema[]): string {
  const bytes = fields.length === 0 ? '0' : `COALESCE(SUM(${fields.map(valueSize).join(' + ')}), 0)`;
  return `SELECT count(*)::VARCHAR AS n, (${bytes})::VARCHAR AS bytes FROM ${table}`;
}
