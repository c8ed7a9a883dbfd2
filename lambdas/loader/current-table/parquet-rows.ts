import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { TableField } from '@google-cloud/bigquery';
import {
  type AsyncBuffer,
  type Compressors,
  type FileMetaData,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
} from 'hyparquet';
import type { ChangeRow } from '../../shared/bigquery/cdc-stream.js';
import { dmsChangeSequence, dmsTimestampMicros } from '../../shared/bigquery/change-sequence.js';
import {
  CHANGE_SEQ_COLUMN,
  OP_COLUMN,
  SOURCE_CHANGED_AT_COLUMN,
  TIMESTAMP_COLUMN,
} from '../../shared/columns.js';
import type { RowGroupRange } from '../../shared/messages.js';
import type { RangeReader } from '../../shared/parquet/footer.js';
import {
  columnDecoder,
  type Decode,
  exactParsers,
  ParquetValueError,
  rawDecimals,
} from './parquet-values.js';

/** The Parquet object as the loader already has it: size, the tail it read for the footer, ranged reads. */
export interface ParquetObject {
  size: number;
  tail: Uint8Array;
  read: RangeReader;
}

/** DMS writes GZIP (CompressionType) or none; DuckDB and others SNAPPY, which hyparquet has built in. */
const compressors: Compressors = {
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input) => new Uint8Array(brotliDecompressSync(input)),
};

/** Ranges inside the tail come from it; the rest are ranged GETs of that exact object version. */
function objectBuffer(object: ParquetObject): AsyncBuffer {
  const tailStart = object.size - object.tail.byteLength;
  return {
    byteLength: object.size,
    async slice(start, end = object.size) {
      const bytes =
        start >= tailStart
          ? object.tail.subarray(start - tailStart, end - tailStart)
          : await object.read(start, end);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

const utf8 = new TextDecoder();

const textOf = (value: unknown): string | null => {
  if (value === null || value === undefined) return null;
  return value instanceof Uint8Array ? utf8.decode(value) : String(value);
};

/** `Op` → `_CHANGE_TYPE`: I and U upsert, D deletes; a file without `Op` holds only inserts. */
function changeTypeOf(op: string | null): ChangeRow['changeType'] {
  if (op === 'D') return 'DELETE';
  if (op === 'I' || op === 'U' || op === null) return 'UPSERT';
  throw new ParquetValueError(`column ${OP_COLUMN}: "${op}" is not one of I, U, D`);
}

interface Column {
  name: string;
  field: string;
  decode: Decode;
}

function columnsOf(metadata: FileMetaData, fields: readonly TableField[], table: string): Column[] {
  const scales = rawDecimals(metadata.schema);
  const byName = new Map(fields.map((field) => [(field.name ?? '').toLowerCase(), field]));
  const columns: Column[] = [];
  for (const child of parquetSchema(metadata).children) {
    const { element } = child;
    if (element.name === OP_COLUMN || element.name === TIMESTAMP_COLUMN) continue;
    const field = byName.get(element.name.toLowerCase());
    if (field === undefined) {
      throw new ParquetValueError(
        `column ${element.name} is not in ${table}; the table was not brought up to date`,
      );
    }
    if (child.children.length > 0) {
      throw new ParquetValueError(`column ${element.name} is nested, which a CDC table row cannot hold here`);
    }
    const type = (field.type ?? '').toUpperCase();
    columns.push({
      name: element.name,
      field: field.name ?? '',
      decode: columnDecoder(element, scales.get(element.name), type),
    });
  }
  return columns;
}

function changeOf(row: Record<string, unknown>, columns: readonly Column[]): ChangeRow {
  const timestamp = textOf(row[TIMESTAMP_COLUMN]);
  if (timestamp === null) throw new ParquetValueError(`column ${TIMESTAMP_COLUMN} is empty`);
  const changeSeq = textOf(row[CHANGE_SEQ_COLUMN]);
  const values: Record<string, unknown> = {};
  for (const column of columns) values[column.field] = column.decode(row[column.name]);
  let sequence: string;
  try {
    sequence = dmsChangeSequence(timestamp, changeSeq);
    values[SOURCE_CHANGED_AT_COLUMN] = dmsTimestampMicros(timestamp);
  } catch (error) {
    throw new ParquetValueError((error as Error).message);
  }
  return { values, changeType: changeTypeOf(textOf(row[OP_COLUMN])), sequence };
}

/** Which row groups to read, and when to stop early. */
export interface ReadRange {
  /** Row groups `[start, end)`; the whole file when absent. */
  rowGroups?: RowGroupRange;
  /**
   * Asked before every row group after the first: true stops the reading there (the caller sends
   * the rest on as a continuation). The first is always read, so every invocation makes progress.
   */
  stopBefore?: () => boolean;
  /** Set as the reading goes: the index of the first row group not yet yielded. */
  progress?: { next: number };
}

/**
 * The file's rows as CDC changes, one batch per row group, so memory holds one row group at a time
 * (DMS writes 10,000-row groups). `fields` is the current table's schema.
 */
export async function* parquetChanges(
  object: ParquetObject,
  fields: readonly TableField[],
  table: string,
  range: ReadRange = {},
): AsyncGenerator<ChangeRow[]> {
  const file = objectBuffer(object);
  const metadata = await parquetMetadataAsync(file, { initialFetchSize: object.tail.byteLength });
  const columns = columnsOf(metadata, fields, table);
  const groups = metadata.row_groups;
  const { start, end } = range.rowGroups ?? { start: 0, end: groups.length };
  if (end > groups.length) {
    throw new ParquetValueError(
      `row groups ${start}–${end - 1} were asked for, but the file has ${groups.length}; the message does not belong to this version of the object`,
    );
  }
  let rowStart = 0;
  for (let index = 0; index < start; index++) rowStart += Number(groups[index]?.num_rows ?? 0);
  const progress = range.progress ?? { next: start };
  progress.next = start;
  for (let index = start; index < end; index++) {
    if (index > start && range.stopBefore?.()) return;
    const rowEnd = rowStart + Number(groups[index]?.num_rows ?? 0);
    const rows = await parquetReadObjects({
      file,
      metadata,
      rowStart,
      rowEnd,
      utf8: false,
      parsers: exactParsers,
      compressors,
    });
    const first = rowStart;
    yield rows.map((row, offset) => {
      try {
        return changeOf(row, columns);
      } catch (error) {
        if (error instanceof ParquetValueError) {
          throw new ParquetValueError(`row ${first + offset}: ${error.message}`);
        }
        throw error;
      }
    });
    progress.next = index + 1;
    rowStart = rowEnd;
  }
}
