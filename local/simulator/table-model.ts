import type { SchemaElement } from 'hyparquet';
import { routeKey } from '../../lambdas/shared/dms/keys.js';
import { lobCapacityBytes, lobMaxSizeKb } from '../../lambdas/shared/dms/lob.js';
import type { ColumnMapping, SourceMapping, TableMapping } from '../../lambdas/shared/mappings/model.js';
import { targetTable } from '../../lambdas/shared/mappings/model.js';
import { parquetElement, parseMysqlType, type SimType, UnsupportedTypeError } from './column-types.js';
import { referencedTable } from './foreign-keys.js';
import { hash4 } from './prng.js';
import type { WidenedFrom } from './widen.js';

/** A mapping the simulator cannot act on (missing key column, unknown type); names the table. */
export class SimulationInputError extends Error {
  override name = 'SimulationInputError';
}

export interface SimColumn {
  name: string;
  type: SimType;
  nullable: boolean;
  element: SchemaElement;
  /** Position in the primary key, or -1. */
  keyIndex: number;
  /** TEXT/BLOB/JSON: the most bytes a value can have (type or declared maxBytes); else undefined. */
  lobCapacity: number | undefined;
  /** In `hashColumns`: DMS writes the SHA-256 of the value instead of the value (ADR 0038). */
  hashed: boolean;
  /** Set once an ALTER TABLE widened the column: what values written before it held (widen.ts). */
  widenedFrom?: WidenedFrom;
  /** An integer `<thing>_id` naming another table of the source: drawn from that table's keys. */
  foreignKey?: boolean;
}

/**
 * Columns used for a mapped table that lists no `columns`: its primary-key columns as BIGINT, then
 * one column of each kind the pipeline must carry (text, money, flag, enum, time, date, JSON).
 */
export const DEFAULT_COLUMNS: ColumnMapping[] = [
  { name: 'name', type: 'varchar(64)' },
  { name: 'amount', type: 'decimal(18,2)' },
  { name: 'is_active', type: 'tinyint(1)' },
  { name: 'status', type: "enum('new','active','closed')" },
  { name: 'created_at', type: 'datetime' },
  { name: 'updated_on', type: 'date', nullable: true },
  { name: 'payload', type: 'json', nullable: true },
];

/** The nullable column an `ALTER TABLE … ADD COLUMN` adds mid-stream when that option is on. */
export const ADDED_COLUMN: ColumnMapping = { name: 'sim_added_note', type: 'varchar(64)', nullable: true };

export function stringHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function resolveColumns(table: TableMapping): ColumnMapping[] {
  if (table.columns && table.columns.length > 0) return table.columns;
  const keys = table.primaryKey.map((name) => ({ name, type: 'bigint' }));
  return [...keys, ...DEFAULT_COLUMNS.filter((column) => !table.primaryKey.includes(column.name))];
}

/** A LOB's size bound: what its type holds, or less when the mapping declares a measured `maxBytes`. */
function lobBound(column: ColumnMapping): number | undefined {
  const capacity = lobCapacityBytes(column.type);
  return capacity === undefined ? undefined : Math.min(capacity, column.maxBytes ?? capacity);
}

function toSimColumn(where: string, column: ColumnMapping, primaryKey: string[], hashed = false): SimColumn {
  let type: SimType;
  try {
    type = parseMysqlType(column.type);
  } catch (error) {
    if (error instanceof UnsupportedTypeError) {
      throw new SimulationInputError(`${where}: column ${column.name}: ${error.message}`);
    }
    throw error;
  }
  return {
    name: column.name,
    type,
    nullable: column.nullable === true,
    element: parquetElement(column.name, type),
    keyIndex: primaryKey.indexOf(column.name),
    lobCapacity: lobBound(column),
    hashed,
  };
}

/** The static description of one mapped table as the simulator produces it. */
export interface TableShape {
  source: string;
  schema: string;
  table: string;
  routeKey: string;
  dataset: string;
  targetTable: string;
  primaryKey: string[];
  /** Table columns DMS writes (mapping order, excluded columns removed). */
  columns: SimColumn[];
  /** Column added mid-stream (only used once the ALTER happened). */
  addedColumn: SimColumn;
  /** Indexes (into `columns`) of the columns an UPDATE may change. */
  nonKey: number[];
  seed: number;
  /** Where DMS cuts LOBs: the source's LobMaxSize in bytes. */
  lobLimitBytes: number;
  /** 1 in this many LOB values is longer than `lobLimitBytes` (0: none), so DMS truncates it. */
  oversizedLobEvery: number;
}

export function tableShape(
  file: string,
  mapping: SourceMapping,
  table: TableMapping,
  seed: number,
  oversizedLobEvery = 0,
): TableShape {
  const where = `${file}: table ${table.schema}.${table.table}`;
  if (!Array.isArray(table.primaryKey) || table.primaryKey.length === 0) {
    throw new SimulationInputError(`${where}: primaryKey is empty; list the key columns.`);
  }
  const excluded = new Set(table.excludeColumns ?? []);
  const declared = resolveColumns(table);
  for (const key of table.primaryKey) {
    if (!declared.some((column) => column.name === key)) {
      throw new SimulationInputError(`${where}: primary-key column ${key} is not among its columns.`);
    }
    if (excluded.has(key)) {
      throw new SimulationInputError(`${where}: primary-key column ${key} is listed in excludeColumns.`);
    }
  }
  const hashed = new Set(table.hashColumns ?? []);
  for (const name of hashed) {
    if (!declared.some((column) => column.name === name) || excluded.has(name)) {
      throw new SimulationInputError(
        `${where}: hashed column ${name} is not among its columns or is also excluded; run dms2bq validate.`,
      );
    }
  }
  const columns = declared
    .filter((column) => !excluded.has(column.name))
    .map((column) => toSimColumn(where, column, table.primaryKey, hashed.has(column.name)))
    .map((column) =>
      column.type.kind === 'int' && !column.type.isFlag && referencedTable(mapping, table, column.name)
        ? { ...column, foreignKey: true }
        : column,
    );
  let addedName = ADDED_COLUMN.name;
  while (declared.some((column) => column.name === addedName)) addedName = `${addedName}_x`;
  const route = routeKey(mapping.source, table.schema, table.table);
  return {
    source: mapping.source,
    schema: table.schema,
    table: table.table,
    routeKey: route,
    dataset: mapping.bigquery.dataset,
    targetTable: targetTable(table),
    primaryKey: table.primaryKey,
    columns,
    addedColumn: toSimColumn(where, { ...ADDED_COLUMN, name: addedName }, table.primaryKey),
    nonKey: columns.flatMap((column, index) => (column.keyIndex < 0 ? [index] : [])),
    seed: hash4(seed, stringHash(route), 0x7ab1e, 0),
    lobLimitBytes: lobMaxSizeKb(mapping) * 1024,
    oversizedLobEvery,
  };
}
