import { JobFailureError } from '../errors.js';
import type { Warehouse } from '../store/warehouse.js';
import { quoteString, type TableFieldSchema } from '../types.js';

/** A top-level Parquet column as the load sees it: the BigQuery field, and how DuckDB reads it. */
export interface FileColumn {
  field: TableFieldSchema;
  duckType: string;
  /** For DECIMAL columns: precision and scale from the Parquet schema. */
  decimal?: { precision: number; scale: number };
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

/** BigQuery picks the first of NUMERIC, BIGNUMERIC, STRING that is listed and holds (precision, scale). */
export function decimalTarget(
  precision: number,
  scale: number,
  listed: DecimalTarget[],
): DecimalTarget | undefined {
  const fits: Record<DecimalTarget, boolean> = {
    NUMERIC: scale <= 9 && precision - scale <= 29,
    BIGNUMERIC: scale <= 38 && precision - scale <= 38,
    STRING: true,
  };
  return (['NUMERIC', 'BIGNUMERIC', 'STRING'] as const).find((type) => listed.includes(type) && fits[type]);
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
      if (target === undefined) {
        throw new JobFailureError(
          'invalid',
          `Invalid decimal target types ${JSON.stringify(decimalTargets)}: column ${name} has DECIMAL(${precision}, ${scale}), which fits none of them`,
        );
      }
      if (precision > 38) {
        throw new JobFailureError(
          'invalid',
          `The BigQuery emulator cannot load DECIMAL(${precision}, ${scale}) (column ${name}): DuckDB holds at most 38 digits`,
        );
      }
      return {
        ...base,
        field: { name, type: target, mode },
        decimal: { precision, scale },
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
