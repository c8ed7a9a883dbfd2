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

/** The request's rows, staged in a temporary table so keys, deletes and inserts are set-based SQL. */
const STAGE = '_bq_emulator_cdc_stage';

/**
 * Applies UPSERTs and DELETEs by primary key. Per key, in arrival order, a change replaces the
 * current state unless both carry sequence numbers and the change's is lower: equal numbers go to
 * the later arrival ("latest BigQuery system ingestion time"), and rows without one apply in
 * arrival order. Only each key's final state touches the table. The rows are parsed once, into a
 * staging table shaped like the target; keys are computed there by DuckDB, the order decided here.
 */
export async function applyChanges(
  connection: DuckDBConnection,
  table: TableResource,
  plan: WriterPlan,
  rows: DecodedRow[],
): Promise<void> {
  const { datasetId, tableId } = table.tableReference;
  const tableKey = `${tableKeyPrefix(datasetId, tableId)}${table.creationTime}`;
  const target = tableName(datasetId, tableId);
  const columns = table.schema.fields.map((field) => field.name);
  const keyColumns = plan.primaryKey.map(
    (name) => columns.find((column) => column.toLowerCase() === name.toLowerCase()) ?? name,
  );
  const rowKey = keyExpression(keyColumns.map(quoteIdent));
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${STAGE} AS SELECT 0::INTEGER AS _bq_emulator_ord, NULL::VARCHAR AS _bq_emulator_seq, * FROM ${target} LIMIT 0`,
  );
  try {
    await stageRows(connection, columns, rows);
    const keyed = await connection.runAndReadAll(
      `SELECT s._bq_emulator_ord AS ord, s.k AS k, q.sequence AS stored FROM (SELECT _bq_emulator_ord, ${rowKey} AS k FROM ${STAGE}) s
       LEFT JOIN ${SEQUENCES} q ON q.table_key = ${quoteString(tableKey)} AND q.row_key = s.k ORDER BY s._bq_emulator_ord`,
    );
    const current = new Map<string, ChangeSequence | undefined>();
    const winner = new Map<string, number>();
    for (const record of keyed.getRowObjectsJson()) {
      const key = String(record.k);
      const row = rows[Number(record.ord)];
      if (row === undefined) continue;
      if (!current.has(key)) {
        current.set(key, record.stored === null ? undefined : sequenceOf(String(record.stored)));
      }
      const stored = current.get(key);
      if (
        stored !== undefined &&
        row.sequence !== undefined &&
        compareChangeSequences(row.sequence, stored) < 0
      )
        continue;
      current.set(key, row.sequence);
      winner.set(key, Number(record.ord));
    }
    if (winner.size === 0) return;
    const winners = `(SELECT unnest([${[...winner.values()].join(', ')}]))`;
    await connection.run(
      `DELETE FROM ${target} WHERE ${rowKey} IN (SELECT ${rowKey} FROM ${STAGE} WHERE _bq_emulator_ord IN ${winners})`,
    );
    const upserts = [...winner.values()].filter((ord) => rows[ord]?.changeType === 'UPSERT');
    if (upserts.length > 0 && columns.length > 0) {
      const names = columns.map(quoteIdent).join(', ');
      await connection.run(
        `INSERT INTO ${target} (${names}) SELECT ${names} FROM ${STAGE} WHERE _bq_emulator_ord IN (SELECT unnest([${upserts.join(', ')}]))`,
      );
    }
    await connection.run(
      `INSERT OR REPLACE INTO ${SEQUENCES} SELECT ${quoteString(tableKey)}, ${rowKey}, _bq_emulator_seq FROM ${STAGE} WHERE _bq_emulator_ord IN ${winners}`,
    );
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${STAGE}`);
  }
}

/** The rows into the staging table: arrival order, fixed-width sequence text, then the columns. */
async function stageRows(connection: DuckDBConnection, columns: string[], rows: DecodedRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const values = rows.slice(start, start + INSERT_CHUNK).map((row, offset) => {
      const sequence = row.sequence === undefined ? 'NULL' : quoteString(sequenceText(row.sequence));
      const cells = columns.map((column) => row.values.get(column) ?? 'NULL');
      return `(${[String(start + offset), sequence, ...cells].join(', ')})`;
    });
    await connection.run(`INSERT INTO ${STAGE} VALUES ${values.join(', ')}`);
  }
}
