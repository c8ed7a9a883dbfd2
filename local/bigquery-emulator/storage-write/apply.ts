import type { DuckDBConnection } from '@duckdb/node-api';
import {
  type ChangeSequence,
  compareChangeSequences,
} from '../../../lambdas/shared/bigquery/change-sequence.js';
import { MetadataStore } from '../store/metadata.js';
import type { TableResource } from '../store/resources.js';
import { quoteIdent, quoteString, tableName } from '../types.js';
import type { DecodedRow, WriterPlan } from './decode.js';

/**
 * The last applied sequence number per primary key of each CDC table, deletes included: an older
 * change arriving after a newer DELETE must stay ignored (BigQuery keeps deletes two days for that).
 * Dropped with the table (`forgetSequences`): BigQuery starts a table created again under the same
 * name empty, so a rebuilt table accepts sequence numbers lower than its predecessor's.
 */
const SEQUENCES = `${MetadataStore.reservedSchema}.cdc_sequences`;

export async function createSequenceStore(connection: DuckDBConnection): Promise<void> {
  await connection.run(
    `CREATE TABLE IF NOT EXISTS ${SEQUENCES} (table_key VARCHAR, row_key VARCHAR, sequence VARCHAR, PRIMARY KEY (table_key, row_key))`,
  );
}

const tableKeyPrefix = (datasetId: string, tableId: string): string => `${datasetId}.${tableId}@`;

/** Forgets a dropped table's sequence numbers, inside the write that drops it (Catalog.onTableDropped). */
export async function forgetSequences(
  connection: DuckDBConnection,
  datasetId: string,
  tableId: string,
): Promise<void> {
  await connection.run(
    `DELETE FROM ${SEQUENCES} WHERE starts_with(table_key, ${quoteString(tableKeyPrefix(datasetId, tableId))})`,
  );
}

/** Fixed-width text whose string order is BigQuery's section-by-section order. */
const sequenceText = (sequence: ChangeSequence): string =>
  sequence.map((section) => section.toString(16).toUpperCase().padStart(16, '0')).join('/');
const sequenceOf = (text: string): ChangeSequence => text.split('/').map((section) => BigInt(`0x${section}`));

const INSERT_CHUNK = 500;

const keyExpression = (columns: string[]): string =>
  `CAST(to_json([${columns.map((column) => `CAST(${column} AS VARCHAR)`).join(', ')}]) AS VARCHAR)`;

async function insertRows(
  connection: DuckDBConnection,
  table: string,
  columns: string[],
  rows: DecodedRow[],
): Promise<void> {
  if (rows.length === 0 || columns.length === 0) return;
  const names = columns.map(quoteIdent).join(', ');
  // A request may carry up to 10 MB of rows: insert them a few hundred VALUES tuples at a time.
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const values = rows
      .slice(start, start + INSERT_CHUNK)
      .map((row) => `(${columns.map((column) => row.values.get(column) ?? 'NULL').join(', ')})`);
    await connection.run(`INSERT INTO ${table} (${names}) VALUES ${values.join(', ')}`);
  }
}

/** Appends rows as they come: a table without a primary key, or a writer without `_CHANGE_TYPE`. */
export function appendRows(
  connection: DuckDBConnection,
  table: TableResource,
  rows: DecodedRow[],
): Promise<void> {
  const { datasetId, tableId } = table.tableReference;
  const columns = table.schema.fields.map((field) => field.name);
  return insertRows(connection, tableName(datasetId, tableId), columns, rows);
}

/**
 * Applies UPSERTs and DELETEs by primary key. Per key, in arrival order, a change replaces the
 * current state unless both carry sequence numbers and the change's is lower: equal numbers go to
 * the later arrival ("latest BigQuery system ingestion time"), and rows without one apply in
 * arrival order. Only each key's final state touches the table.
 */
export async function applyChanges(
  connection: DuckDBConnection,
  table: TableResource,
  plan: WriterPlan,
  rows: DecodedRow[],
): Promise<void> {
  const { datasetId, tableId } = table.tableReference;
  const tableKey = `${tableKeyPrefix(datasetId, tableId)}${table.creationTime}`;
  const keyColumns = plan.primaryKey.map(
    (name) =>
      table.schema.fields.find((field) => field.name.toLowerCase() === name.toLowerCase())?.name ?? name,
  );
  const literalKeys = rows.map((row) =>
    keyExpression(keyColumns.map((column) => row.values.get(column) ?? 'NULL')),
  );
  const [keys] = (
    await connection.runAndReadAll(`SELECT [${literalKeys.join(', ')}] AS k`)
  ).getRowObjectsJson();
  const rowKeys = (keys?.k ?? []) as string[];

  const stored = await connection.runAndReadAll(
    `SELECT row_key, sequence FROM ${SEQUENCES} WHERE table_key = ${quoteString(tableKey)} AND row_key IN (SELECT unnest(${`[${rowKeys.map(quoteString).join(', ')}]`}))`,
  );
  type State = { sequence?: ChangeSequence; row?: DecodedRow };
  const current = new Map<string, State>();
  for (const record of stored.getRowObjectsJson()) {
    const text = record.sequence === null ? undefined : String(record.sequence);
    current.set(String(record.row_key), { sequence: text === undefined ? undefined : sequenceOf(text) });
  }
  const changed = new Map<string, DecodedRow>();
  rows.forEach((row, index) => {
    const key = rowKeys[index] ?? '';
    const state = current.get(key);
    const older =
      state?.sequence !== undefined &&
      row.sequence !== undefined &&
      compareChangeSequences(row.sequence, state.sequence) < 0;
    if (older) return;
    current.set(key, { sequence: row.sequence, row });
    changed.set(key, row);
  });
  if (changed.size === 0) return;

  const target = tableName(datasetId, tableId);
  const changedKeys = [...changed.keys()].map(quoteString).join(', ');
  await connection.run(
    `DELETE FROM ${target} WHERE ${keyExpression(keyColumns.map(quoteIdent))} IN (${changedKeys})`,
  );
  const upserts = [...changed.values()].filter((row) => row.changeType === 'UPSERT');
  await insertRows(
    connection,
    target,
    table.schema.fields.map((field) => field.name),
    upserts,
  );
  const records = [...changed.entries()].map(([key, row]) => {
    const sequence = row.sequence === undefined ? 'NULL' : quoteString(sequenceText(row.sequence));
    return `(${quoteString(tableKey)}, ${quoteString(key)}, ${sequence})`;
  });
  await connection.run(`INSERT OR REPLACE INTO ${SEQUENCES} VALUES ${records.join(', ')}`);
}
