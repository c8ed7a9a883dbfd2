import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BigQuery, TableField } from '@google-cloud/bigquery';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import {
  CHANGE_SEQ_COLUMN,
  OP_COLUMN,
  SOURCE_CHANGED_AT_COLUMN,
  TIMESTAMP_COLUMN,
} from '../lambdas/shared/columns.js';
import type { MappingFile } from '../lambdas/shared/mappings/model.js';
import { logicalBytes } from '../local/bigquery-emulator/store/resources.js';
import type { LocalPipeline } from '../local/pipeline/local-pipeline.js';
import { uploadTree } from '../local/pipeline/upload.js';
import { directorySink, simulate } from '../local/simulator/index.js';

/** What a `SELECT *` of one BigQuery table reads (see bench/current-state.bench.ts). */
export interface TableSize {
  rows: number;
  /** tables.get `numBytes`: the emulator sums BigQuery's data size of every value, as BigQuery does. */
  numBytes: number;
  fields: TableField[];
}

const quote = (name: string) => `\`${name}\``;

/** Bytes of one value of `field` in BigQuery's data size calculation, as SQL. */
function valueSize(field: TableField): string {
  const column = quote(field.name ?? '');
  const type = field.type ?? 'STRING';
  if (type === 'STRING' || type === 'BYTES') return `IFNULL(2 + BYTE_LENGTH(${column}), 0)`;
  const fixed = logicalBytes[type];
  if (fixed === undefined) throw new Error(`no data size known for ${field.name} ${type}`);
  return `IF(${column} IS NULL, 0, ${fixed})`;
}

/** Sum of the data sizes of `fields` over every row of the table. */
async function valueBytes(
  bigquery: BigQuery,
  dataset: string,
  table: string,
  fields: readonly TableField[],
): Promise<number> {
  const sum = fields.map(valueSize).join(' + ');
  const [rows] = await bigquery.query(`SELECT SUM(${sum}) AS bytes FROM ${quote(`${dataset}.${table}`)}`);
  return Number((rows[0] as { bytes: unknown }).bytes ?? 0);
}

export async function tableSize(bigquery: BigQuery, dataset: string, table: string): Promise<TableSize> {
  const [metadata] = await bigquery.dataset(dataset).table(table).getMetadata();
  return {
    rows: Number(metadata.numRows ?? 0),
    numBytes: Number(metadata.numBytes ?? 0),
    fields: (metadata.schema?.fields ?? []) as TableField[],
  };
}

/** The source's own columns of a CDC table: what a live row is, without the pipeline's metadata. */
export const sourceFields = (fields: readonly TableField[]): TableField[] =>
  fields.filter((field) => field.name !== SOURCE_CHANGED_AT_COLUMN && field.name !== CHANGE_SEQ_COLUMN);

/**
 * The live rows' size, value by value: as `SELECT *` of the current state returns them (the view's
 * columns: the source's and `_source_changed_at`), and the source's columns alone.
 */
export async function liveRowBytes(
  bigquery: BigQuery,
  dataset: string,
  table: string,
  fields: readonly TableField[],
): Promise<LiveBytes> {
  const viewColumns = fields.filter((field) => field.name !== CHANGE_SEQ_COLUMN);
  return {
    viewColumns: await valueBytes(bigquery, dataset, table, viewColumns),
    sourceColumns: await valueBytes(bigquery, dataset, table, sourceFields(fields)),
  };
}

export interface LiveBytes {
  viewColumns: number;
  sourceColumns: number;
}

/** The change a file ends with: once a query shows it, every row of the file is visible. */
export interface NewestChange {
  op: string;
  key: string;
  sequence: string;
}

export async function newestChange(path: string, keyColumn: string): Promise<NewestChange> {
  const bytes = await readFile(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const rows = await parquetReadObjects({
    file,
    columns: [OP_COLUMN, TIMESTAMP_COLUMN, CHANGE_SEQ_COLUMN, keyColumn],
    compressors,
  });
  let newest: Record<string, unknown> | undefined;
  const order = (row: Record<string, unknown>) => `${row[TIMESTAMP_COLUMN]}|${row[CHANGE_SEQ_COLUMN]}`;
  for (const row of rows) if (!newest || order(row) > order(newest)) newest = row;
  if (!newest) throw new Error(`${path}: no rows`);
  return {
    op: String(newest[OP_COLUMN]),
    key: String(newest[keyColumn]),
    sequence: String(newest[CHANGE_SEQ_COLUMN]),
  };
}

/** Queries the CDC table until it shows `change` (its row at that sequence, or the key gone for a delete). */
export async function waitUntilVisible(
  bigquery: BigQuery,
  table: string,
  keyColumn: string,
  change: NewestChange,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const query = `SELECT ${CHANGE_SEQ_COLUMN} AS seq FROM ${quote(table)} WHERE ${quote(keyColumn)} = ${change.key}`;
  for (;;) {
    const [rows] = await bigquery.query(query);
    const seq = (rows[0] as { seq?: string } | undefined)?.seq;
    if (change.op === 'D' ? rows.length === 0 : seq === change.sequence) return;
    if (Date.now() > deadline)
      throw new Error(`${table}: change ${change.sequence} not visible after ${timeoutMs} ms`);
  }
}

/**
 * Lands each file alone and times it from the PutObject until the table shows its newest change:
 * what an analyst waits for after DMS writes a file, with nothing else in flight.
 */
export async function landOneByOne(
  pipeline: LocalPipeline,
  dir: string,
  keys: readonly string[],
  table: string,
  keyColumn: string,
): Promise<number[]> {
  const visibleMs: number[] = [];
  for (const key of keys) {
    const change = await newestChange(join(dir, key), keyColumn);
    const started = performance.now();
    await uploadTree(pipeline.aws.s3, pipeline.aws.bucket, dir, [key]);
    await waitUntilVisible(pipeline.bigquery, table, keyColumn, change);
    visibleMs.push(performance.now() - started);
  }
  return visibleMs;
}

/**
 * Files as large as the reference hot table's: its full rate cut every 90 s (DMS's default
 * CdcMaxBatchInterval), simulated after `after` so every change is newer than the history's, and
 * landed one at a time into the pipeline that holds the history.
 */
export async function referenceSizeFiles(
  pipeline: LocalPipeline,
  mapping: MappingFile,
  keys: number,
  changesPerMinute: number,
  after: Date,
  files: number,
): Promise<{ visibleMs: number[]; rows: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'dms2bq-current-bench-ref-'));
  try {
    const interval = 90;
    const reference = {
      ...mapping,
      mapping: { ...mapping.mapping, dms: { ...mapping.mapping.dms, cdcMaxBatchIntervalSeconds: interval } },
    };
    const simulated = await simulate({
      mappings: [reference],
      sink: directorySink(dir),
      minutes: (files * interval) / 60,
      changesPerMinute,
      // The history's keys: the full load is not landed, it only gives the changes their keys.
      initialRowsPerTable: keys,
      changeMix: 'hot',
      gzip: true,
      start: after,
      seed: 90,
    });
    const cdc = simulated.files.filter((file) => file.kind === 'cdc');
    const [table] = mapping.mapping.tables;
    const name = `${mapping.mapping.bigquery.dataset}.${table?.target ?? table?.table}_current`;
    const keyColumn = table?.primaryKey[0] ?? 'id';
    const visibleMs = await landOneByOne(
      pipeline,
      dir,
      cdc.map((file) => file.key),
      name,
      keyColumn,
    );
    return { visibleMs, rows: cdc.reduce((sum, file) => sum + file.rows, 0) / cdc.length };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
