import type { CompressionCodec, RowGroup, SchemaElement } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import type { SimValue } from '../values.js';
import { writeColumnChunk } from './chunk.js';

/** A flat column: its schema element (OPTIONAL, typed) and one value per row. */
export interface ParquetColumn {
  element: SchemaElement;
  values: SimValue[];
}

/** DMS S3Settings defaults that shape the file (reference: dms-s3-target.md, "Parquet settings"). */
export interface ParquetFileOptions {
  /** ParquetVersion parquet-1-0 → 1 (DataPage v1), parquet-2-0 → 2 (DataPage v2). */
  parquetVersion: 1 | 2;
  /** CompressionType NONE | GZIP. */
  gzip: boolean;
  /** RowGroupLength, default 10,000 rows. */
  rowGroupLength?: number;
  /** DataPageSize, default 1 MiB. */
  dataPageSize?: number;
  /** DictPageSizeLimit, default 1 MiB. */
  dictPageSizeLimit?: number;
}

export const CREATED_BY = 'dms-to-bigquery simulator (AWS DMS S3 target emulation)';

/** Encodes `columns` (all of `numRows` values) as one Parquet file. */
export function writeParquetFile(
  columns: ParquetColumn[],
  numRows: number,
  options: ParquetFileOptions,
): Uint8Array {
  const rowGroupLength = options.rowGroupLength ?? 10_000;
  const chunkOptions = {
    pageVersion: options.parquetVersion,
    codec: (options.gzip ? 'GZIP' : 'UNCOMPRESSED') as CompressionCodec,
    pageSize: options.dataPageSize ?? 1_048_576,
    dictionaryPageSizeLimit: options.dictPageSizeLimit ?? 1_048_576,
  };
  const writer = new ByteWriter();
  writer.appendUint32(0x31524150); // PAR1
  const rowGroups: RowGroup[] = [];
  for (let start = 0; start < numRows || (numRows === 0 && rowGroups.length === 0); start += rowGroupLength) {
    const end = Math.min(numRows, start + rowGroupLength);
    const groupStart = writer.offset;
    const chunks = columns.map(({ element, values }) =>
      writeColumnChunk(
        writer,
        element,
        end - start === values.length ? values : values.slice(start, end),
        chunkOptions,
      ),
    );
    rowGroups.push({
      columns: chunks,
      num_rows: BigInt(end - start),
      total_byte_size: chunks.reduce(
        (sum, chunk) => sum + (chunk.meta_data?.total_uncompressed_size ?? 0n),
        0n,
      ),
      file_offset: BigInt(groupStart),
      total_compressed_size: BigInt(writer.offset - groupStart),
    });
    if (numRows === 0) break;
  }
  const schema: SchemaElement[] = [
    { name: 'schema', num_children: columns.length },
    ...columns.map(({ element }) => element),
  ];
  // hyparquet-writer bundles its own hyparquet version; the shapes are the same Thrift structures.
  const metadata = {
    version: options.parquetVersion,
    schema,
    num_rows: BigInt(numRows),
    row_groups: rowGroups,
    created_by: CREATED_BY,
    metadata_length: 0,
  } as unknown as Parameters<typeof writeMetadata>[1];
  writeMetadata(writer, metadata, Number.POSITIVE_INFINITY);
  writer.appendUint32(0x31524150);
  return writer.getBytes();
}
