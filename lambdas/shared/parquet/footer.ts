import { type FileMetaData, parquetMetadata, type SchemaElement, type Statistics } from 'hyparquet';

type MinMaxType = Statistics['min_value'];

import { bigQueryTypeOfParquet } from '../bigquery/column-types.js';
import { CHANGE_SEQ_COLUMN, TIMESTAMP_COLUMN } from '../columns.js';

/**
 * What the loader needs from a Parquet file without reading its data: the row count (to verify the
 * load), the top-level schema (for logs) and the range of the DMS commit timestamp and change
 * sequence (freshness, and where a file sits in the change stream).
 */
export interface ParquetFooter {
  rowCount: number;
  rowGroups: number;
  /** Rows and uncompressed bytes (`total_byte_size`) of each row group, in file order. */
  rowGroupSizes: RowGroupSize[];
  columns: ParquetColumn[];
  /** `_dms_timestamp` strings (`yyyy-MM-dd HH:mm:ss.SSSSSS`), absent without statistics. */
  dmsTimestamp?: ValueRange;
  /** `_dms_change_seq`, absent in full-load files (DMS leaves it empty there). */
  changeSeq?: ValueRange;
}

export interface RowGroupSize {
  rows: number;
  bytes: number;
}

export interface ParquetColumn {
  name: string;
  /** Physical type, plus the logical/converted type when there is one, e.g. `BYTE_ARRAY/UTF8`. */
  type: string;
  /** The BigQuery type it loads as, when certain (see `bigQueryTypeOfParquet`). */
  bigqueryType?: string;
}

export interface ValueRange {
  min: string;
  max: string;
}

/** Reads `[start, end)` of the file. */
export type RangeReader = (start: number, end: number) => Promise<Uint8Array>;

/** The file is not a readable Parquet file: loading it can never succeed, so it is not retried. */
export class ParquetFooterError extends Error {
  override name = 'ParquetFooterError';
}

/**
 * Large enough for the footer of a typical DMS CDC file in one request; a 1 GB full-load file with
 * thousands of row groups needs a second, exactly-sized request.
 */
export const INITIAL_FOOTER_FETCH = 64 * 1024;
const TRAILER = 8; // 4-byte footer length + "PAR1"
const MAGIC = 0x31524150;

/** At most two ranged reads: the file's tail, then the rest of the footer if it was longer. */
export async function readParquetFooter(
  read: RangeReader,
  size: number,
  initialFetch = INITIAL_FOOTER_FETCH,
): Promise<ParquetFooter> {
  if (size < 12) throw new ParquetFooterError(`file is ${size} bytes, too short to be Parquet`);
  const tailStart = Math.max(0, size - initialFetch);
  return parseParquetFooter(await read(tailStart, size), size, read);
}

/**
 * Parses the footer from the file's last bytes (`tail`, e.g. from one suffix-range GET), reading
 * the part of a long footer that the tail missed with `readMore`.
 */
export async function parseParquetFooter(
  tail: Uint8Array,
  size: number,
  readMore: RangeReader,
): Promise<ParquetFooter> {
  if (size < 12) throw new ParquetFooterError(`file is ${size} bytes, too short to be Parquet`);
  const tailStart = size - tail.byteLength;
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  if (tail.byteLength < TRAILER || view.getUint32(tail.byteLength - 4, true) !== MAGIC) {
    throw new ParquetFooterError(
      'file does not end with the Parquet magic bytes "PAR1" (truncated or not Parquet)',
    );
  }
  const footerLength = view.getUint32(tail.byteLength - TRAILER, true);
  if (footerLength + TRAILER > size - 4) {
    throw new ParquetFooterError(`footer length ${footerLength} exceeds the file size ${size}`);
  }
  let footer = tail;
  if (footerLength + TRAILER > tail.byteLength) {
    const footerStart = size - footerLength - TRAILER;
    const head = await readMore(footerStart, tailStart);
    footer = new Uint8Array(footerLength + TRAILER);
    footer.set(head, 0);
    footer.set(tail, tailStart - footerStart);
  }
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(footer, { geoparquet: false });
  } catch (error) {
    throw new ParquetFooterError(`unreadable Parquet footer: ${(error as Error).message}`);
  }
  return summarizeFooter(metadata);
}

/**
 * The root's direct children. parquet.thrift, FileMetaData.schema: "The nodes of the tree are
 * flattened to a list by doing a depth-first traversal", so a group's descendants follow it before
 * the next top-level column. DMS writes flat files; other writers may not.
 */
function topLevelElements(elements: readonly SchemaElement[]): SchemaElement[] {
  const topLevel: SchemaElement[] = [];
  let index = 0;
  while (index < elements.length) {
    const element = elements[index] as SchemaElement;
    topLevel.push(element);
    // Skip the element's descendants: each group announces how many children follow it.
    let pending = element.num_children ?? 0;
    index += 1;
    while (pending > 0 && index < elements.length) {
      pending += (elements[index]?.num_children ?? 0) - 1;
      index += 1;
    }
  }
  return topLevel;
}

export function summarizeFooter(metadata: FileMetaData): ParquetFooter {
  const [, ...elements] = metadata.schema;
  const topLevel = topLevelElements(elements);
  return {
    rowCount: Number(metadata.num_rows),
    rowGroups: metadata.row_groups.length,
    rowGroupSizes: metadata.row_groups.map((group) => ({
      rows: Number(group.num_rows),
      bytes: Number(group.total_byte_size),
    })),
    columns: topLevel.map((element) => {
      const bigqueryType = bigQueryTypeOfParquet(element);
      return {
        name: element.name,
        type: [element.type ?? 'GROUP', element.logical_type?.type ?? element.converted_type]
          .filter(Boolean)
          .join('/'),
        ...(bigqueryType === undefined ? {} : { bigqueryType }),
      };
    }),
    ...optionalRange('dmsTimestamp', columnRange(metadata, TIMESTAMP_COLUMN)),
    ...optionalRange('changeSeq', columnRange(metadata, CHANGE_SEQ_COLUMN)),
  };
}

const optionalRange = <K extends string>(name: K, range: ValueRange | undefined) =>
  (range ? { [name]: range } : {}) as Partial<Record<K, ValueRange>>;

/**
 * Min and max over all row groups. Both columns are fixed-width strings, so text order is value
 * order. Row groups without statistics make the range unknown rather than wrong.
 */
function columnRange(metadata: FileMetaData, column: string): ValueRange | undefined {
  let min: string | undefined;
  let max: string | undefined;
  for (const rowGroup of metadata.row_groups) {
    const chunk = rowGroup.columns.find((c) => c.meta_data?.path_in_schema.join('.') === column);
    if (!chunk) return undefined;
    if (rowGroup.num_rows === 0n) continue;
    const stats = chunk.meta_data?.statistics;
    const low = asText(stats?.min_value ?? stats?.min);
    const high = asText(stats?.max_value ?? stats?.max);
    if (low === undefined || high === undefined) return undefined;
    if (min === undefined || low < min) min = low;
    if (max === undefined || high > max) max = high;
  }
  return min === undefined || max === undefined || max === '' ? undefined : { min, max };
}

const utf8 = new TextDecoder();

function asText(value: MinMaxType | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return utf8.decode(value);
  return undefined;
}

/**
 * Parses `_dms_timestamp` (`yyyy-MM-dd HH:mm:ss.SSSSSS`, UTC). Statistics may be truncated by the
 * writer, so trailing parts are optional; anything else yields undefined.
 */
export function parseDmsTimestamp(value: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = '0', fraction = '0'] = match;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  return Number.isNaN(time) ? undefined : new Date(time);
}
