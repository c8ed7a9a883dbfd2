import { parquetHeader } from 'hyparquet/src/column.js';
import { describe, expect, it } from 'vitest';
import { parquetElement, parseMysqlType, stringElement } from '../../local/simulator/column-types.js';
import { writeParquetFile } from '../../local/simulator/parquet/file.js';
import { readMetadata, readRows } from './support.js';

function fileFactory(parquetVersion: 1 | 2, values: (string | null)[] = ['a', 'b', null, 'a']) {
  return writeParquetFile(
    [
      { element: stringElement('s'), values },
      {
        element: parquetElement('n', parseMysqlType('decimal(18,2)')),
        values: values.map((_, i) => i * 125),
      },
    ],
    values.length,
    { parquetVersion, gzip: false },
  );
}

function pageTypes(bytes: Uint8Array): string[] {
  const chunk = readMetadata(bytes).row_groups[0]?.columns[0]?.meta_data;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = { view, offset: Number(chunk?.dictionary_page_offset ?? chunk?.data_page_offset) };
  const types: string[] = [];
  while (reader.offset < Number(chunk?.data_page_offset) + 1 || types.length === 0) {
    const header = parquetHeader(reader);
    types.push(header.type);
    reader.offset += header.compressed_page_size;
  }
  return types;
}

describe('writeParquetFile', () => {
  it.each([
    { version: 1 as const, page: 'DATA_PAGE' },
    { version: 2 as const, page: 'DATA_PAGE_V2' },
  ])('writes a dictionary page then $page pages for parquet version $version', ({ version, page }) => {
    // Prepare
    const bytes = fileFactory(version);

    // Act
    const types = pageTypes(bytes);

    // Assess
    expect(types).toEqual(['DICTIONARY_PAGE', page]);
  });

  it.each([1, 2] as const)('records the format version %i in the footer', (version) => {
    // Prepare
    const bytes = fileFactory(version);

    // Act
    const metadata = readMetadata(bytes);

    // Assess
    expect(metadata.version).toBe(version);
  });

  it('falls back to PLAIN when the dictionary passes DictPageSizeLimit', async () => {
    // Prepare
    const values = Array.from({ length: 50 }, (_, i) => `value-${i}-${'x'.repeat(40)}`);

    // Act
    const bytes = writeParquetFile([{ element: stringElement('s'), values }], values.length, {
      parquetVersion: 1,
      gzip: false,
      dictPageSizeLimit: 1000,
    });

    // Assess
    expect(readMetadata(bytes).row_groups[0]?.columns[0]?.meta_data?.encodings).toEqual(['PLAIN', 'RLE']);
    expect((await readRows(bytes)).map((row) => row.s)).toEqual(values);
  });

  it('splits a column chunk into pages at DataPageSize', () => {
    // Prepare
    const values = Array.from({ length: 100 }, (_, i) => `unique-${i}`);

    // Act
    const bytes = writeParquetFile([{ element: stringElement('s'), values }], values.length, {
      parquetVersion: 1,
      gzip: false,
      dataPageSize: 64,
      dictPageSizeLimit: 1,
    });

    // Assess
    const stats = readMetadata(bytes).row_groups[0]?.columns[0]?.meta_data?.encoding_stats;
    expect(stats?.[0]?.count).toBeGreaterThan(1);
  });

  it('writes an empty file with the schema and no rows', async () => {
    // Prepare
    const values: string[] = [];

    // Act
    const bytes = fileFactory(1, values);

    // Assess
    expect(Number(readMetadata(bytes).num_rows)).toBe(0);
    expect(await readRows(bytes)).toEqual([]);
  });
});
