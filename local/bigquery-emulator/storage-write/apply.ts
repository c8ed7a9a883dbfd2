import type { DuckDBConnection } from '@duckdb/node-api';
import {
  type ChangeSequence,
  compareChangeSequences,
} from '../../../lambdas/shared/bigquery/change-sequence.js';
import { MetadataStore } from '../store/metadata.js';
import type { TableResource } from '../store/resources.js';
import { quoteIdent, quoteString, type TableFieldSchema, tableName } from '../types.js';
import type { DecodedRow, WriterPlan } from './decode.js';
import { sqlOfText } from './values.js';

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

const keyExpression = (columns: string[]): string =>
  `CAST(to_json([${columns.map((column) => `CAST(${column} AS VARCHAR)`).join(', ')}]) AS VARCHAR)`;

/** The request's rows as text, appended with DuckDB's appender: parsing VALUES lists costs far more. */
const RAW_ROWS = '_bq_emulator_request_rows';

/**
 * Appends the rows' text (values.ts) to a temporary table of VARCHAR columns `c0…cn` beside their
 * arrival order and sequence text, runs `use`, and drops the table. `converted` turns the text back
 * into the fields' types in an INSERT … SELECT.
 */
async function withRequestRows<T>(
  connection: DuckDBConnection,
  fields: readonly TableFieldSchema[],
  rows: DecodedRow[],
  use: (converted: string) => Promise<T>,
): Promise<T> {
  const columns = fields.map((_, index) => `, c${index} VARCHAR`).join('');
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${RAW_ROWS} (ord INTEGER, seq VARCHAR${columns})`);
  try {
    const appender = await connection.createAppender(RAW_ROWS, 'main', 'temp');
    rows.forEach((row, ord) => {
      appender.appendInteger(ord);
      if (row.sequence === undefined) appender.appendNull();
      else appender.appendVarchar(sequenceText(row.sequence));
      for (const field of fields) {
        const text = row.values.get(field.name);
        if (text === undefined) appender.appendNull();
        else appender.appendVarchar(text);
      }
      appender.endRow();
    });
    appender.closeSync();
    return await use(fields.map((field, index) => sqlOfText(field.type, `c${index}`)).join(', '));
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${RAW_ROWS}`);
  }
}

/** Appends rows as they come: a table without a primary key, or a writer without `_CHANGE_TYPE`. */
export async function appendRows(
  connection: DuckDBConnection,
  table: TableResource,
  rows: DecodedRow[],
): Promise<void> {
  const { datasetId, tableId } = table.tableReference;
  const { fields } = table.schema;
  if (rows.length === 0 || fields.length === 0) return;
  const names = fields.map((field) => quoteIdent(field.name)).join(', ');
  await withRequestRows(connection, fields, rows, (converted) =>
    connection.run(
      `INSERT INTO ${tableName(datasetId, tableId)} (${names}) SELECT ${converted} FROM ${RAW_ROWS} ORDER BY ord`,
    ),
  );
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
    await withRequestRows(connection, table.schema.fields, rows, (converted) =>
      connection.run(`INSERT INTO ${STAGE} SELECT ord, seq, ${converted} FROM ${RAW_ROWS}`),
    );
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
