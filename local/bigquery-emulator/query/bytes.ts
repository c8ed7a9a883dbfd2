import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog } from '../store/catalog.js';
import { valueSize } from '../store/logical-size.js';
import { partitionKeySql, pseudoColumnsOf } from '../store/partitions.js';
import type { TableResource } from '../store/resources.js';
import { type TableFieldSchema, tableName } from '../types.js';

/** BigQuery bills on-demand bytes in whole megabytes (2^20 bytes). */
export const MEGABYTE = 1024 * 1024;
/** The on-demand minimum, per table referenced and per query. */
export const MINIMUM_BILLED = 10 * MEGABYTE;

/** One base-table scan of a query: the columns it reads and the filters that can prune its partitions. */
export interface TableScan {
  datasetId: string;
  tableId: string;
  columns: string[];
  partitionFilters: string[];
}

export interface BytesEstimate {
  totalBytesProcessed: string;
  totalBytesBilled: string;
}

type PlanNode = { name?: string; children?: PlanNode[]; extra_info?: Record<string, unknown> };

const asList = (value: unknown): string[] =>
  value === undefined || value === '' ? [] : Array.isArray(value) ? value.map(String) : [String(value)];

/** Identifiers of a DuckDB expression as EXPLAIN prints it, outside its string literals. */
function identifiers(expression: string): string[] {
  return expression.replace(/'(?:[^']|'')*'/g, "''").match(/[A-Za-z_][A-Za-z0-9_$]*/g) ?? [];
}

/**
 * The base-table scans of a translated query, read from DuckDB's physical plan: views are expanded to
 * the tables under them, CTEs and subqueries to the columns they really use, and each scan lists the
 * columns it projects and the filters pushed into it. Statistics propagation is off while planning,
 * or DuckDB would drop a scan whose filter its min/max statistics prove empty: BigQuery still reads it.
 */
export async function tableScans(
  connection: DuckDBConnection,
  duckSql: string,
  catalog: Catalog,
): Promise<TableScan[]> {
  await connection.run("SET disabled_optimizers = 'statistics_propagation'");
  let plan: PlanNode[];
  try {
    const reader = await connection.runAndReadAll(`EXPLAIN (FORMAT JSON) ${duckSql}`);
    plan = JSON.parse(String(reader.getRows()[0]?.[1] ?? '[]')) as PlanNode[];
  } finally {
    await connection.run('RESET disabled_optimizers');
  }
  const scans: TableScan[] = [];
  const visit = (node: PlanNode, parent: PlanNode | undefined): void => {
    const info = node.extra_info ?? {};
    const qualified = typeof info.Table === 'string' ? info.Table.split('.') : [];
    const tableId = qualified[qualified.length - 1];
    const datasetId = qualified[qualified.length - 2];
    const resource =
      tableId !== undefined && datasetId !== undefined ? catalog.findTable(datasetId, tableId) : undefined;
    if (resource?.type === 'TABLE' && datasetId !== undefined && tableId !== undefined) {
      scans.push(scanOf(resource, datasetId, tableId, info, parent));
    }
    for (const child of node.children ?? []) visit(child, node);
  };
  for (const node of plan) visit(node, undefined);
  return scans;
}

function scanOf(
  resource: TableResource,
  datasetId: string,
  tableId: string,
  info: Record<string, unknown>,
  parent: PlanNode | undefined,
): TableScan {
  const byName = new Map(
    [...resource.schema.fields.map((f) => f.name), ...pseudoColumnsOf(resource)].map((name) => [
      name.toLowerCase(),
      name,
    ]),
  );
  const columnsIn = (expression: string): string[] =>
    identifiers(expression).flatMap((word) => {
      const name = byName.get(word.toLowerCase());
      return name === undefined ? [] : [name];
    });
  const filters = asList(info.Filters).map((filter) => filter.replace(/^optional:\s*/, ''));
  // A FILTER right above the scan holds what DuckDB could not push into it (ORs, IN lists).
  const above = parent?.name === 'FILTER' ? asList(parent.extra_info?.Expression) : [];
  const columns = new Set<string>();
  for (const projected of asList(info.Projections)) {
    const name = byName.get(projected.toLowerCase());
    if (name !== undefined) columns.add(name);
  }
  for (const filter of filters) for (const name of columnsIn(filter)) columns.add(name);
  const partitioning = new Set(partitionColumns(resource).map((name) => name.toLowerCase()));
  const partitionFilters = [...filters, ...above].filter((filter) => {
    const used = columnsIn(filter);
    return used.length > 0 && used.every((name) => partitioning.has(name.toLowerCase()));
  });
  return { datasetId, tableId, columns: [...columns], partitionFilters };
}

/** The columns whose filters prune a table's partitions. */
function partitionColumns(resource: TableResource): string[] {
  const field = resource.timePartitioning?.field;
  if (typeof field === 'string') return [field];
  return pseudoColumnsOf(resource);
}

/**
 * The data size of the columns one scan reads, summed over the partitions its filters leave. On an
 * ingestion-time table every row of a partition has the same `_PARTITIONTIME`, so filtering the rows
 * filters whole partitions. On a column-partitioned table a partition stays when any of its rows
 * passes; a partition whose rows all fail is dropped, which BigQuery's pruning on partition bounds
 * may not do (a documented difference). A filter DuckDB cannot run alone bills every partition.
 */
async function scanBytes(connection: DuckDBConnection, catalog: Catalog, scan: TableScan): Promise<bigint> {
  const resource = catalog.table(scan.datasetId, scan.tableId);
  const wanted = new Set(scan.columns.map((name) => name.toLowerCase()));
  // Pseudo-columns are not stored data: BigQuery's data size counts the table's schema columns.
  const fields = resource.schema.fields.filter((field) => wanted.has(field.name.toLowerCase()));
  if (fields.length === 0) return 0n;
  const table = tableName(scan.datasetId, scan.tableId);
  const sum = (where: string): string =>
    `SELECT COALESCE(SUM(${fields.map((field: TableFieldSchema) => valueSize(field)).join(' + ')}), 0)::VARCHAR AS bytes FROM ${table}${where}`;
  const read = async (sql: string): Promise<bigint> =>
    BigInt(String((await connection.runAndReadAll(sql)).getRows()[0]?.[0] ?? '0'));
  if (scan.partitionFilters.length === 0) return read(sum(''));
  const predicate = scan.partitionFilters.map((filter) => `(${filter})`).join(' AND ');
  const key = partitionKeySql(resource);
  const where =
    key === undefined
      ? ` WHERE ${predicate}`
      : ` WHERE ${key} IN (SELECT DISTINCT ${key} FROM ${table} WHERE ${predicate})`;
  try {
    return await read(sum(where));
  } catch {
    return read(sum(''));
  }
}

/** Rounds up to whole megabytes. */
const roundUpToMegabyte = (bytes: bigint): bigint =>
  ((bytes + BigInt(MEGABYTE) - 1n) / BigInt(MEGABYTE)) * BigInt(MEGABYTE);

/**
 * totalBytesProcessed and totalBytesBilled of a query, as BigQuery's on-demand pricing computes
 * them: the data size of each referenced column over the partitions left after pruning; billed
 * rounded up to the megabyte with 10 MB per table referenced and per query. A query that reads no
 * table bills nothing.
 */
export async function estimateBytes(
  connection: DuckDBConnection,
  catalog: Catalog,
  duckSql: string,
): Promise<BytesEstimate> {
  const scans = await tableScans(connection, duckSql, catalog);
  let processed = 0n;
  let billed = 0n;
  for (const scan of scans) {
    const bytes = await scanBytes(connection, catalog, scan);
    processed += bytes;
    const rounded = roundUpToMegabyte(bytes);
    billed += rounded > BigInt(MINIMUM_BILLED) ? rounded : BigInt(MINIMUM_BILLED);
  }
  return { totalBytesProcessed: String(processed), totalBytesBilled: String(billed) };
}

/** Statistics of a statement that reads no table data (DDL). */
export const noBytes: BytesEstimate = { totalBytesProcessed: '0', totalBytesBilled: '0' };
