import type { DuckDBConnection } from '@duckdb/node-api';
import { MetadataStore } from '../store/metadata.js';
import type { TableResource } from '../store/resources.js';
import { quoteIdent, quoteString, type TableFieldSchema, tableName } from '../types.js';
import {
  compareSequences,
  type SequenceSections,
  sectionsOfSortable,
  sortableSequence,
} from './change-sequence.js';
import type { DecodedRow, WriterPlan } from './decode.js';
import { sqlOfText } from './values.js';

/**
 * The last applied sequence number per primary key of each CDC table, with the clock's time of the
 * change when it was a DELETE: an older change arriving after a newer DELETE stays ignored while the
 * delete is within BigQuery's retention window, "BigQuery maintains a delete retention window of two
 * days" (change-data-capture page), and applies once it is past. Dropped with the table
 * (`forgetSequences`): BigQuery starts a table created again under the same name empty, so a rebuilt
 * table accepts sequence numbers lower than its predecessor's.
 */
const SEQUENCES = `${MetadataStore.reservedSchema}.cdc_sequences`;

export const DELETE_RETENTION_MS = 2 * 86_400_000;

export async function createSequenceStore(connection: DuckDBConnection): Promise<void> {
  await connection.run(
    `CREATE TABLE IF NOT EXISTS ${SEQUENCES} (table_key VARCHAR, row_key VARCHAR, sequence VARCHAR, deleted_at BIGINT, PRIMARY KEY (table_key, row_key))`,
  );
  // Files written before deletes carried their time: their deletes stay remembered (no time to expire from).
  await connection.run(`ALTER TABLE ${SEQUENCES} ADD COLUMN IF NOT EXISTS deleted_at BIGINT`);
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
      else appender.appendVarchar(sortableSequence(row.sequence));
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

/** A key's state while a request is applied: its sequence number, and whether this request set it. */
interface KeyState {
  sequence: SequenceSections | undefined;
  fromRequest: boolean;
}

/**
 * Whether `row` replaces `state`. A lower sequence number never does. Across requests an equal one
 * does: "the record with the latest BigQuery system ingestion time has precedence". Within one
 * request the rows share an ingestion time, and the first row of a key keeps precedence, as reported
 * in googleapis/java-bigquerystorage#2404 (undocumented; ADR 0027). Rows without a number follow
 * the same rule (BigQuery: "unpredictable" when numbers are mixed).
 */
function replaces(row: DecodedRow, state: KeyState): boolean {
  if (state.sequence !== undefined && row.sequence !== undefined) {
    const order = compareSequences(row.sequence, state.sequence);
    return order > 0 || (order === 0 && !state.fromRequest);
  }
  return !state.fromRequest || state.sequence !== undefined || row.sequence !== undefined;
}

/**
 * Applies UPSERTs and DELETEs by primary key, each key's change chosen by `replaces` against the
 * key's stored sequence number (a DELETE's forgotten once `DELETE_RETENTION_MS` has passed on the
 * emulator's clock, `now`). Only each key's final state touches the table. The rows are parsed once,
 * into a staging table shaped like the target; keys are computed there by DuckDB, the order decided
 * here.
 */
export async function applyChanges(
  connection: DuckDBConnection,
  table: TableResource,
  plan: WriterPlan,
  rows: DecodedRow[],
  now: number,
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
      `SELECT s._bq_emulator_ord AS ord, s.k AS k, q.sequence AS stored, q.deleted_at AS deleted_at FROM (SELECT _bq_emulator_ord, ${rowKey} AS k FROM ${STAGE}) s
       LEFT JOIN ${SEQUENCES} q ON q.table_key = ${quoteString(tableKey)} AND q.row_key = s.k ORDER BY s._bq_emulator_ord`,
    );
    const states = new Map<string, KeyState>();
    const winner = new Map<string, number>();
    for (const record of keyed.getRowObjectsJson()) {
      const key = String(record.k);
      const row = rows[Number(record.ord)];
      if (row === undefined) continue;
      let state = states.get(key);
      if (state === undefined) {
        const forgotten =
          record.deleted_at !== null && now - Number(record.deleted_at) >= DELETE_RETENTION_MS;
        const stored = record.stored === null || forgotten ? undefined : String(record.stored);
        state = {
          sequence: stored === undefined ? undefined : sectionsOfSortable(stored),
          fromRequest: false,
        };
        states.set(key, state);
      }
      if (!replaces(row, state)) continue;
      states.set(key, { sequence: row.sequence, fromRequest: true });
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
    const deletes = [...winner.values()].filter((ord) => rows[ord]?.changeType === 'DELETE');
    const deletedAt =
      deletes.length === 0
        ? 'NULL'
        : `CASE WHEN _bq_emulator_ord IN (SELECT unnest([${deletes.join(', ')}])) THEN ${Math.floor(now)} ELSE NULL END`;
    await connection.run(
      `INSERT OR REPLACE INTO ${SEQUENCES} SELECT ${quoteString(tableKey)}, ${rowKey}, _bq_emulator_seq, ${deletedAt} FROM ${STAGE} WHERE _bq_emulator_ord IN ${winners}`,
    );
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${STAGE}`);
  }
}
