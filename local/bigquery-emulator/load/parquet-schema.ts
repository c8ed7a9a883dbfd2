import { JobFailureError } from '../errors.js';
import type { Warehouse } from '../store/warehouse.js';
import { quoteString, type TableFieldSchema } from '../types.js';

/** A top-level Parquet column as the load sees it: the BigQuery field, and how DuckDB reads it. */
export interface FileColumn {
  field: TableFieldSchema;
  duckType: string;
  /**
   * For DECIMAL columns: precision and scale from the Parquet schema; `wide` above DuckDB's 38 digits
   * (DuckDB reads those as DOUBLE, so the load reads them itself: wide-decimals.ts).
   */
  decimal?: { precision: number; scale: number; wide: boolean };
  /** UINT_64 values above INT64's maximum must fail the load. */
  unsigned64: boolean;
  /** Variable-width columns count their bytes from the file's column chunks in outputBytes. */
  variableWidth: boolean;
}

export interface ParquetFile {
  columns: FileColumn[];
  rowCount: number;
  /** Uncompressed bytes of the variable-width (STRING/BYTES) column chunks. */
  variableBytes: number;
}

export type DecimalTarget = 'NUMERIC' | 'BIGNUMERIC' | 'STRING';

const order: DecimalTarget[] = ['NUMERIC', 'BIGNUMERIC', 'STRING'];

/** Whether a BigQuery type holds every value of DECIMAL(precision, scale). */
export function decimalFits(precision: number, scale: number, type: string): boolean {
  if (type === 'NUMERIC') return scale <= 9 && precision - scale <= 29;
  if (type === 'BIGNUMERIC') return scale <= 38 && precision - scale <= 38;
  return type === 'STRING';
}

/**
 * JobConfigurationLoad.decimalTargetTypes (REST reference): "In the order of NUMERIC, BIGNUMERIC, and
 * STRING, a type is picked if it is in the specified list and if it supports the precision and the
 * scale. … If none of the listed types supports the precision and the scale, the type supporting the
 * widest range in the specified list is picked, and if a value exceeds the supported range when
 * reading the data, an error will be thrown." The order of the list is ignored.
 */
export function decimalTarget(precision: number, scale: number, listed: DecimalTarget[]): DecimalTarget {
  const candidates = order.filter((type) => listed.includes(type));
  return candidates.find((type) => decimalFits(precision, scale, type)) ?? candidates.at(-1) ?? 'NUMERIC';
}

const simpleTypes: Record<string, string> = {
  BOOLEAN: 'BOOLEAN',
  TINYINT: 'INTEGER',
  SMALLINT: 'INTEGER',
  INTEGER: 'INTEGER',
  BIGINT: 'INTEGER',
  UTINYINT: 'INTEGER',
  USMALLINT: 'INTEGER',
  UINTEGER: 'INTEGER',
  UBIGINT: 'INTEGER',
  FLOAT: 'FLOAT',
  DOUBLE: 'FLOAT',
  VARCHAR: 'STRING',
  BLOB: 'BYTES',
  DATE: 'DATE',
  TIME: 'TIME',
  // The reference maps Parquet TIMESTAMP (millis/micros) to TIMESTAMP whatever isAdjustedToUTC says.
  TIMESTAMP: 'TIMESTAMP',
  'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP',
  TIMESTAMP_MS: 'TIMESTAMP',
  TIMESTAMP_NS: 'TIMESTAMP',
  TIMESTAMP_S: 'TIMESTAMP',
};

const corrupt = (error: unknown): JobFailureError =>
  new JobFailureError(
    'invalid',
    `Error while reading data, error message: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}`,
  );

/** Reads the file's footer through DuckDB (never its data) and derives the BigQuery schema. */
export async function inspectParquet(
  warehouse: Warehouse,
  path: string,
  decimalTargets: DecimalTarget[],
): Promise<ParquetFile> {
  const file = quoteString(path);
  let described: Record<string, unknown>[];
  let schema: Record<string, unknown>[];
  let meta: Record<string, unknown>[];
  try {
    described = await warehouse.rows(`DESCRIBE SELECT * FROM read_parquet(${file})`);
    schema = await warehouse.rows(
      `SELECT name, type, converted_type, repetition_type, precision, scale, num_children FROM parquet_schema(${file})`,
    );
    meta = await warehouse.rows(
      `SELECT (SELECT num_rows FROM parquet_file_metadata(${file}))::VARCHAR AS rows, path_in_schema AS path, sum(total_uncompressed_size)::VARCHAR AS bytes FROM parquet_metadata(${file}) GROUP BY path_in_schema`,
    );
  } catch (error) {
    throw corrupt(error);
  }
  // parquet_schema lists the root first, then the columns; nested groups are not supported.
  const leaves = schema.slice(1);
  if (leaves.some((leaf) => leaf.num_children !== null && Number(leaf.num_children) > 0)) {
    throw new JobFailureError(
      'invalid',
      'The BigQuery emulator does not load nested (group/list) Parquet columns',
    );
  }
  const chunkBytes = new Map(meta.map((row) => [String(row.path), Number(row.bytes)]));
  const columns = described.map((column, index): FileColumn => {
    const name = String(column.column_name);
    const duckType = String(column.column_type);
    const leaf = leaves[index] ?? {};
    const mode = leaf.repetition_type === 'REQUIRED' ? 'REQUIRED' : 'NULLABLE';
    if (leaf.repetition_type === 'REPEATED') {
      throw new JobFailureError(
        'invalid',
        `The BigQuery emulator does not load repeated Parquet columns (column ${name})`,
      );
    }
    const base = { duckType, unsigned64: duckType === 'UBIGINT', variableWidth: false };
    if (leaf.converted_type === 'DECIMAL') {
      const precision = Number(leaf.precision);
      const scale = Number(leaf.scale);
      const target = decimalTarget(precision, scale, decimalTargets);
      return {
        ...base,
        field: { name, type: target, mode },
        decimal: { precision, scale, wide: precision > 38 },
        variableWidth: target === 'STRING',
      };
    }
    const type = simpleTypes[duckType];
    if (type === undefined)
      throw new JobFailureError(
        'invalid',
        `The BigQuery emulator cannot load Parquet column ${name} of type ${duckType}`,
      );
    return { ...base, field: { name, type, mode }, variableWidth: type === 'STRING' || type === 'BYTES' };
  });
  const variableBytes = columns
    .filter((column) => column.variableWidth)
    .reduce((sum, column) => sum + (chunkBytes.get(column.field.name) ?? 0), 0);
  return { columns, rowCount: Number(meta[0]?.rows ?? 0), variableBytes };
}
