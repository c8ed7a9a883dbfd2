import { BIGNUMERIC_STORAGE, isBignumericStorage } from './store/bignumeric.js';

/** BigQuery resource shapes the emulator stores and returns (the subset it understands). */
export interface TableFieldSchema {
  name: string;
  type: string;
  mode?: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  description?: string;
  fields?: TableFieldSchema[];
}

export interface TableReference {
  projectId: string;
  datasetId: string;
  tableId: string;
}

export type Labels = Record<string, string>;

/**
 * BigQuery answers with the legacy type names whatever name the request used
 * (`INT64` → `INTEGER`), so the emulator normalises on the way in.
 */
const legacyNames: Record<string, string> = {
  INT64: 'INTEGER',
  INTEGER: 'INTEGER',
  INT: 'INTEGER',
  SMALLINT: 'INTEGER',
  BIGINT: 'INTEGER',
  TINYINT: 'INTEGER',
  BYTEINT: 'INTEGER',
  FLOAT64: 'FLOAT',
  FLOAT: 'FLOAT',
  BOOL: 'BOOLEAN',
  BOOLEAN: 'BOOLEAN',
  STRING: 'STRING',
  BYTES: 'BYTES',
  DATE: 'DATE',
  DATETIME: 'DATETIME',
  TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMP',
  NUMERIC: 'NUMERIC',
  DECIMAL: 'NUMERIC',
  BIGNUMERIC: 'BIGNUMERIC',
  BIGDECIMAL: 'BIGNUMERIC',
  JSON: 'JSON',
};

export function legacyTypeName(type: string): string | undefined {
  return legacyNames[type.toUpperCase()];
}

/** How each BigQuery type is stored in DuckDB. BIGNUMERIC is exact: see store/bignumeric.ts. */
const storageTypes: Record<string, string> = {
  INTEGER: 'BIGINT',
  FLOAT: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  STRING: 'VARCHAR',
  BYTES: 'BLOB',
  DATE: 'DATE',
  DATETIME: 'TIMESTAMP',
  TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMPTZ',
  NUMERIC: 'DECIMAL(38,9)',
  BIGNUMERIC: BIGNUMERIC_STORAGE,
  JSON: 'JSON',
};

export function storageType(legacyType: string): string {
  const type = storageTypes[legacyType];
  if (type === undefined) throw new Error(`The BigQuery emulator cannot store columns of type ${legacyType}`);
  return type;
}

/** BigQuery type of a DuckDB result column, or undefined when the emulator cannot represent it. */
export function bigQueryTypeOfDuckDb(duckType: string): string | undefined {
  const upper = duckType.toUpperCase();
  if (isBignumericStorage(duckType)) return 'BIGNUMERIC';
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(upper);
  if (decimal) {
    const precision = Number(decimal[1]);
    const scale = Number(decimal[2]);
    return scale <= 9 && precision - scale <= 29 ? 'NUMERIC' : 'BIGNUMERIC';
  }
  if (/^(U?(BIGINT|INTEGER|SMALLINT|TINYINT)|HUGEINT)$/.test(upper)) return 'INTEGER';
  const simple: Record<string, string> = {
    DOUBLE: 'FLOAT',
    FLOAT: 'FLOAT',
    BOOLEAN: 'BOOLEAN',
    VARCHAR: 'STRING',
    BLOB: 'BYTES',
    DATE: 'DATE',
    TIME: 'TIME',
    TIMESTAMP: 'DATETIME',
    'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP',
    TIMESTAMP_MS: 'DATETIME',
    TIMESTAMP_NS: 'DATETIME',
    TIMESTAMP_S: 'DATETIME',
    JSON: 'JSON',
  };
  return simple[upper];
}

/** A DuckDB identifier, always quoted so BigQuery names never collide with DuckDB keywords. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export const tableName = (datasetId: string, tableId: string): string =>
  `${quoteIdent(datasetId)}.${quoteIdent(tableId)}`;

/** Dataset, table and job IDs share BigQuery's rule: letters, digits, `_` (jobs also `-`), ≤ 1,024 chars. */
export const validDatasetId = (id: string): boolean => /^[A-Za-z0-9_]{1,1024}$/.test(id);
export const validTableId = (id: string): boolean =>
  /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u.test(id);
export const validJobId = (id: string): boolean => /^[A-Za-z0-9_-]{1,1024}$/.test(id);
