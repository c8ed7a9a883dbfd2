import { describe, expect, it } from 'vitest';
import {
  ParquetFooterError,
  parseDmsTimestamp,
  type RangeReader,
  readParquetFooter,
} from '../../lambdas/shared/parquet/footer.js';
import { dmsParquet, dmsTimestamp } from './fixtures.js';

/** Serves ranges of an in-memory file and records them, as ranged S3 GETs would. */
function rangeReader(file: Uint8Array): { read: RangeReader; ranges: Array<[number, number]> } {
  const ranges: Array<[number, number]> = [];
  return {
    ranges,
    read: async (start, end) => {
      ranges.push([start, end]);
      return file.slice(start, end);
    },
  };
}

describe('readParquetFooter', () => {
  it('reads the row count across row groups', async () => {
    // Prepare
    const file = dmsParquet({ rows: 2500, rowGroupSize: 1000 });
    const { read } = rangeReader(file);

    // Act
    const footer = await readParquetFooter(read, file.byteLength);

    // Assess
    expect(footer.rowCount).toBe(2500);
    expect(footer.rowGroups).toBe(3);
  });

  it('lists the top-level columns with their types', async () => {
    // Prepare
    const file = dmsParquet({ extraColumns: ['note'] });
    const { read } = rangeReader(file);

    // Act
    const footer = await readParquetFooter(read, file.byteLength);

    // Assess
    expect(footer.columns.map((c) => c.name)).toEqual([
      'Op',
      '_dms_timestamp',
      '_dms_change_seq',
      'id',
      'amount',
      'note',
    ]);
    expect(footer.columns[3]).toEqual({ name: 'id', type: 'INT64', bigqueryType: 'INTEGER' });
  });

  it('finds the range of _dms_timestamp over all row groups', async () => {
    // Prepare
    const start = new Date('2024-03-27T01:43:03.000Z');
    const file = dmsParquet({ rows: 2500, rowGroupSize: 1000, start });
    const { read } = rangeReader(file);

    // Act
    const footer = await readParquetFooter(read, file.byteLength);

    // Assess
    expect(footer.dmsTimestamp).toEqual({
      min: dmsTimestamp(start),
      max: dmsTimestamp(new Date(start.getTime() + 2499_000)),
    });
  });

  it('finds the range of _dms_change_seq in a CDC file', async () => {
    // Prepare
    const file = dmsParquet({ rows: 10, firstChangeSeq: 17113534440000000000000000000000001n });
    const { read } = rangeReader(file);

    // Act
    const footer = await readParquetFooter(read, file.byteLength);

    // Assess
    expect(footer.changeSeq).toEqual({
      min: '17113534440000000000000000000000001',
      max: '17113534440000000000000000000000010',
    });
  });

  it('has no change sequence range for a full-load file', async () => {
    // Prepare
    const file = dmsParquet({ rows: 10 });
    const { read } = rangeReader(file);

    // Act
    const footer = await readParquetFooter(read, file.byteLength);

    // Assess
    expect(footer.changeSeq).toBeUndefined();
  });

  it('reads a footer larger than the first fetch with exactly one more ranged read', async () => {
    // Prepare
    const file = dmsParquet({ rows: 5000, rowGroupSize: 10 });
    const { read, ranges } = rangeReader(file);

    // Act
    const footer = await readParquetFooter(read, file.byteLength, 1024);

    // Assess
    expect(footer.rowCount).toBe(5000);
    expect(ranges).toHaveLength(2);
    expect(ranges[0]).toEqual([file.byteLength - 1024, file.byteLength]);
  });

  describe.each([
    ['truncated', (file: Uint8Array) => file.slice(0, file.byteLength - 100)],
    ['not Parquet', () => new TextEncoder().encode('id,amount\n1,2\n3,4\n')],
    [
      'a garbled footer',
      (file: Uint8Array) => {
        const copy = file.slice();
        copy.fill(0xff, copy.byteLength - 60, copy.byteLength - 8);
        return copy;
      },
    ],
  ])('a file that is %s', (_name, corrupt) => {
    it('is a ParquetFooterError', async () => {
      // Prepare
      const file = corrupt(dmsParquet());
      const { read } = rangeReader(file);

      // Act
      const reading = readParquetFooter(read, file.byteLength);

      // Assess
      await expect(reading).rejects.toBeInstanceOf(ParquetFooterError);
    });
  });
});

describe('parseDmsTimestamp', () => {
  describe.each([
    ['2024-03-27 01:43:03.888123', '2024-03-27T01:43:03.888Z'],
    ['2024-03-27 01:43:03', '2024-03-27T01:43:03.000Z'],
    ['2024-03-27 01:43', '2024-03-27T01:43:00.000Z'],
  ])('%s', (text, iso) => {
    it('is read as UTC', () => {
      // Prepare
      const value = text;

      // Act
      const time = parseDmsTimestamp(value);

      // Assess
      expect(time?.toISOString()).toBe(iso);
    });
  });

  it('is undefined for text that is not a timestamp', () => {
    // Prepare
    const value = 'yesterday';

    // Act
    const time = parseDmsTimestamp(value);

    // Assess
    expect(time).toBeUndefined();
  });
});
