import { gzipSync } from 'node:zlib';
import type { ColumnChunk, CompressionCodec, Encoding, SchemaElement, Statistics } from 'hyparquet';
import type { PageEncodingStats } from 'hyparquet/src/types.js';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import type { SimValue } from '../values.js';
import { byteArrayOf, writePlainValues } from './plain.js';

/**
 * One column chunk (one column of one row group) the way DMS's Parquet writer lays it out by
 * default: a PLAIN dictionary page, then RLE_DICTIONARY data pages (falling back to PLAIN when the
 * dictionary passes DictPageSizeLimit), v1 or v2 data pages, optional GZIP, min/max statistics.
 *
 * hyparquet-writer 0.17 writes only DATA_PAGE_V2 pages, so pages are assembled here with its
 * building blocks (page header, RLE/bit-packing, metadata) instead of its column writer.
 */
export interface ChunkOptions {
  pageVersion: 1 | 2;
  codec: CompressionCodec;
  pageSize: number;
  dictionaryPageSizeLimit: number;
}

const compress = (codec: CompressionCodec, bytes: Uint8Array): Uint8Array =>
  codec === 'GZIP' ? gzipSync(bytes) : bytes;

const bitWidthOf = (maxValue: number): number => Math.max(1, Math.ceil(Math.log2(maxValue + 1)));

interface Dictionary {
  values: SimValue[];
  /** Per non-null value, its dictionary index. */
  indexes: Int32Array;
}

function estimatedSize(element: SchemaElement, value: SimValue): number {
  switch (element.type) {
    case 'BYTE_ARRAY':
      return 4 + (value as string).length * (element.converted_type === 'UTF8' ? 1 : 0.5);
    case 'FIXED_LEN_BYTE_ARRAY':
      return element.type_length ?? 16;
    case 'INT64':
    case 'DOUBLE':
      return 8;
    default:
      return 4;
  }
}

/** Open-addressing hash of numbers → dictionary index: no Map entries or boxing per value. */
function numericDictionary(
  element: SchemaElement,
  values: SimValue[],
  limit: number,
): Dictionary | undefined {
  let capacity = 16;
  while (capacity < values.length * 2) capacity *= 2;
  const mask = capacity - 1;
  const slotKeys = new Float64Array(capacity);
  const slotIndexes = new Int32Array(capacity).fill(-1);
  const dictionary: SimValue[] = [];
  const indexes = new Int32Array(values.length);
  const size = estimatedSize(element, 0);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    let slot = Math.imul((value | 0) ^ Math.floor(value / 0x100000000), 0x9e3779b1) & mask;
    let index = slotIndexes[slot] as number;
    while (index >= 0 && slotKeys[slot] !== value) {
      slot = (slot + 1) & mask;
      index = slotIndexes[slot] as number;
    }
    if (index < 0) {
      index = dictionary.length;
      if ((index + 1) * size > limit) return undefined;
      dictionary.push(value);
      slotKeys[slot] = value;
      slotIndexes[slot] = index;
    }
    indexes[i] = index;
  }
  return { values: dictionary, indexes };
}

function buildDictionary(element: SchemaElement, values: SimValue[], limit: number): Dictionary | undefined {
  if (element.type === 'BOOLEAN') return undefined;
  if (element.type !== 'BYTE_ARRAY') return numericDictionary(element, values, limit);
  const positions = new Map<SimValue, number>();
  const dictionary: SimValue[] = [];
  const indexes = new Int32Array(values.length);
  let bytes = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as SimValue;
    let index = positions.get(value);
    if (index === undefined) {
      index = dictionary.length;
      dictionary.push(value);
      positions.set(value, index);
      bytes += estimatedSize(element, value);
      if (bytes > limit) return undefined;
    }
    indexes[i] = index;
  }
  return { values: dictionary, indexes };
}

/** min/max in the form hyparquet-writer's footer writer expects for the physical type. */
function statisticsOf(element: SchemaElement, distinct: SimValue[], nulls: number): Statistics {
  const statistics: Statistics = { null_count: BigInt(nulls) };
  if (distinct.length === 0) return statistics;
  if (element.type === 'BYTE_ARRAY') {
    // UTF-16 order equals UTF-8 byte order for text without astral characters (the generator
    // makes none), and fixed two-digit hex compares like the bytes it encodes.
    let min = distinct[0] as string;
    let max = min;
    for (const value of distinct) {
      if ((value as string) < min) min = value as string;
      if ((value as string) > max) max = value as string;
    }
    return { ...statistics, min_value: byteArrayOf(element, min), max_value: byteArrayOf(element, max) };
  }
  if (element.type === 'BOOLEAN') {
    return { ...statistics, min_value: !distinct.includes(false), max_value: distinct.includes(true) };
  }
  let min = distinct[0] as number;
  let max = min;
  for (const value of distinct) {
    if ((value as number) < min) min = value as number;
    if ((value as number) > max) max = value as number;
  }
  const asBigInt = element.type === 'INT64' || element.type === 'FIXED_LEN_BYTE_ARRAY';
  return {
    ...statistics,
    min_value: asBigInt ? BigInt(min) : min,
    max_value: asBigInt ? BigInt(max) : max,
  };
}

/** Row ranges of at most ~pageSize bytes of values (DataPageSize); a page holds at least one row. */
function pageRanges(element: SchemaElement, rows: SimValue[], dictionary: boolean, pageSize: number) {
  const ranges: { start: number; end: number }[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    const value = rows[i] as SimValue;
    bytes += value === null ? 0 : dictionary ? 4 : estimatedSize(element, value);
    if (bytes >= pageSize && i + 1 < rows.length) {
      ranges.push({ start, end: i + 1 });
      start = i + 1;
      bytes = 0;
    }
  }
  ranges.push({ start, end: rows.length });
  return ranges;
}

/** hyparquet-writer bundles its own hyparquet version: use the header type its writer declares. */
type PageHeader = Parameters<typeof writePageHeader>[1];

function writePage(writer: ByteWriter, header: PageHeader, body: Uint8Array): number {
  const headerStart = writer.offset;
  writePageHeader(writer, header);
  writer.appendBytes(body);
  return writer.offset - headerStart - header.compressed_page_size + header.uncompressed_page_size;
}

/** Writes one column chunk for `rows` (one value per row, null allowed) at the writer's position. */
export function writeColumnChunk(
  writer: ByteWriter,
  element: SchemaElement,
  rows: SimValue[],
  options: ChunkOptions,
): ColumnChunk {
  const chunkStart = writer.offset;
  const nonNull = rows.includes(null) ? rows.filter((value) => value !== null) : rows;
  const dictionary = buildDictionary(element, nonNull, options.dictionaryPageSizeLimit);
  const encoding: Encoding = dictionary ? 'RLE_DICTIONARY' : 'PLAIN';
  let uncompressed = 0;
  let dictionaryPageOffset: bigint | undefined;

  if (dictionary) {
    dictionaryPageOffset = BigInt(writer.offset);
    const page = new ByteWriter();
    writePlainValues(page, element, dictionary.values);
    const raw = page.getBytes();
    const body = compress(options.codec, raw);
    uncompressed += writePage(
      writer,
      {
        type: 'DICTIONARY_PAGE',
        uncompressed_page_size: raw.length,
        compressed_page_size: body.length,
        dictionary_page_header: { num_values: dictionary.values.length, encoding: 'PLAIN' },
      },
      body,
    );
  }

  const dataPageOffset = BigInt(writer.offset);
  const ranges = pageRanges(element, rows, dictionary !== undefined, options.pageSize);
  let valueCursor = 0;
  for (const { start, end } of ranges) {
    const levels = new Uint8Array(end - start);
    for (let i = start; i < end; i++) levels[i - start] = rows[i] === null ? 0 : 1;
    let present = 0;
    for (const level of levels) present += level;
    const levelWriter = new ByteWriter();
    writeRleBitPackedHybrid(levelWriter, levels, 1);
    const levelBytes = levelWriter.getBytes();

    const valueWriter = new ByteWriter();
    if (dictionary) {
      const indexes = dictionary.indexes.subarray(valueCursor, valueCursor + present);
      valueWriter.appendUint8(bitWidthOf(dictionary.values.length - 1));
      writeRleBitPackedHybrid(valueWriter, indexes, bitWidthOf(dictionary.values.length - 1));
    } else {
      writePlainValues(valueWriter, element, nonNull.slice(valueCursor, valueCursor + present));
    }
    valueCursor += present;
    const valueBytes = valueWriter.getBytes();

    if (options.pageVersion === 1) {
      const raw = new Uint8Array(4 + levelBytes.length + valueBytes.length);
      new DataView(raw.buffer).setUint32(0, levelBytes.length, true);
      raw.set(levelBytes, 4);
      raw.set(valueBytes, 4 + levelBytes.length);
      const body = compress(options.codec, raw);
      uncompressed += writePage(
        writer,
        {
          type: 'DATA_PAGE',
          uncompressed_page_size: raw.length,
          compressed_page_size: body.length,
          data_page_header: {
            num_values: end - start,
            encoding,
            definition_level_encoding: 'RLE',
            repetition_level_encoding: 'RLE',
          },
        },
        body,
      );
    } else {
      const compressed = compress(options.codec, valueBytes);
      const body = new Uint8Array(levelBytes.length + compressed.length);
      body.set(levelBytes, 0);
      body.set(compressed, levelBytes.length);
      uncompressed += writePage(
        writer,
        {
          type: 'DATA_PAGE_V2',
          uncompressed_page_size: levelBytes.length + valueBytes.length,
          compressed_page_size: body.length,
          data_page_header_v2: {
            num_values: end - start,
            num_nulls: end - start - present,
            num_rows: end - start,
            encoding,
            definition_levels_byte_length: levelBytes.length,
            repetition_levels_byte_length: 0,
            is_compressed: options.codec !== 'UNCOMPRESSED',
          },
        },
        body,
      );
    }
  }

  const pageType = options.pageVersion === 1 ? 'DATA_PAGE' : 'DATA_PAGE_V2';
  const encodingStats: PageEncodingStats[] = [{ page_type: pageType, encoding, count: ranges.length }];
  if (dictionary) encodingStats.unshift({ page_type: 'DICTIONARY_PAGE', encoding: 'PLAIN', count: 1 });
  return {
    file_offset: BigInt(chunkStart),
    meta_data: {
      type: element.type ?? 'BYTE_ARRAY',
      encodings: dictionary ? ['PLAIN', 'RLE', 'RLE_DICTIONARY'] : ['PLAIN', 'RLE'],
      path_in_schema: [element.name],
      codec: options.codec,
      num_values: BigInt(rows.length),
      total_uncompressed_size: BigInt(uncompressed),
      total_compressed_size: BigInt(writer.offset - chunkStart),
      data_page_offset: dataPageOffset,
      dictionary_page_offset: dictionaryPageOffset,
      statistics: statisticsOf(
        element,
        dictionary ? dictionary.values : nonNull,
        rows.length - nonNull.length,
      ),
      encoding_stats: encodingStats,
    },
  };
}
