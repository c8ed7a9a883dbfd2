import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata, type SchemaElement } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { bigQueryTypeOfParquet } from '../../lambdas/shared/bigquery/column-types.js';

/**
 * `bigQueryTypeOfParquet` for the annotations one writer sets and another does not: the Parquet
 * format lets a writer give only the legacy ConvertedType (older writers), only the LogicalType (newer
 * ones, and types ConvertedType cannot express), or both. And DECIMAL at each edge of NUMERIC and
 * BIGNUMERIC (ADR 0013: NUMERIC holds 29 integer and 9 fraction digits, BIGNUMERIC 38 and 38; with
 * decimalTargetTypes NUMERIC, BIGNUMERIC, STRING the first that holds the column is picked).
 */

/** The schema elements DuckDB writes for a query's columns (DuckDB is not our writer). */
async function duckdbElements(select: string): Promise<SchemaElement[]> {
  const dir = await mkdtemp(join(tmpdir(), 'column-types-edges-'));
  const path = join(dir, 'file.parquet');
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    await connection.run(`COPY (${select}) TO '${path}' (FORMAT PARQUET)`);
    const bytes = await readFile(path);
    return parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)).schema;
  } finally {
    connection.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

const typesOf = (elements: SchemaElement[]) =>
  Object.fromEntries(elements.slice(1).map((element) => [element.name, bigQueryTypeOfParquet(element)]));

describe('bigQueryTypeOfParquet', () => {
  describe.each<[string, SchemaElement, string | undefined]>([
    [
      'a legacy TIMESTAMP_MILLIS column',
      { name: 'c', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' },
      'TIMESTAMP',
    ],
    [
      'a legacy TIMESTAMP_MICROS column',
      { name: 'c', type: 'INT64', converted_type: 'TIMESTAMP_MICROS' },
      'TIMESTAMP',
    ],
    [
      'a TIMESTAMP column with only the logical type',
      {
        name: 'c',
        type: 'INT64',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      },
      'TIMESTAMP',
    ],
    ['an INT96 column (the deprecated timestamp)', { name: 'c', type: 'INT96' }, 'TIMESTAMP'],
    [
      'a DATE column with only the logical type',
      { name: 'c', type: 'INT32', logical_type: { type: 'DATE' } },
      'DATE',
    ],
    ['a legacy DATE column', { name: 'c', type: 'INT32', converted_type: 'DATE' }, 'DATE'],
    [
      'a TIME column with only the logical type',
      { name: 'c', type: 'INT64', logical_type: { type: 'TIME', isAdjustedToUTC: false, unit: 'NANOS' } },
      'TIME',
    ],
    ['a legacy TIME_MILLIS column', { name: 'c', type: 'INT32', converted_type: 'TIME_MILLIS' }, 'TIME'],
    ['a legacy TIME_MICROS column', { name: 'c', type: 'INT64', converted_type: 'TIME_MICROS' }, 'TIME'],
    [
      'a legacy DECIMAL column',
      {
        name: 'c',
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: 16,
        converted_type: 'DECIMAL',
        precision: 39,
        scale: 9,
      },
      'BIGNUMERIC',
    ],
    [
      'a JSON column with only the logical type',
      { name: 'c', type: 'BYTE_ARRAY', logical_type: { type: 'JSON' } },
      undefined,
    ],
    ['a legacy JSON column', { name: 'c', type: 'BYTE_ARRAY', converted_type: 'JSON' }, undefined],
    [
      'a STRING column with only the logical type',
      { name: 'c', type: 'BYTE_ARRAY', logical_type: { type: 'STRING' } },
      'STRING',
    ],
    [
      'an ENUM column with only the logical type',
      { name: 'c', type: 'BYTE_ARRAY', logical_type: { type: 'ENUM' } },
      'STRING',
    ],
    ['a legacy ENUM column', { name: 'c', type: 'BYTE_ARRAY', converted_type: 'ENUM' }, 'STRING'],
    ['an unannotated BYTE_ARRAY column', { name: 'c', type: 'BYTE_ARRAY' }, 'BYTES'],
  ])('%s', (_name, element, expected) => {
    it(`loads as ${expected ?? 'an uncertain type (undefined)'}`, () => {
      // Act
      const type = bigQueryTypeOfParquet(element);

      // Assess
      expect(type).toBe(expected);
    });
  });

  it('leaves the nested columns DuckDB writes (list, struct) and JSON uncertain', async () => {
    // Prepare
    const elements = await duckdbElements(`SELECT [1, 2] AS l, {'a': 1} AS s, '{"a":1}'::JSON AS j`);

    // Act
    const types = typesOf(elements);

    // Assess: the groups l, list and s have no type; their leaves element and a do.
    expect(types).toEqual({
      l: undefined,
      list: undefined,
      element: 'INTEGER',
      s: undefined,
      a: 'INTEGER',
      j: undefined,
    });
  });

  describe('DECIMAL(precision, scale)', () => {
    it('picks NUMERIC up to 29 integer and 9 fraction digits, then BIGNUMERIC, in the columns DuckDB writes', async () => {
      // Prepare: DuckDB writes DECIMAL of at most 38 digits.
      const elements = await duckdbElements(
        `SELECT 1::DECIMAL(29,0) AS p29s0, 1::DECIMAL(30,0) AS p30s0, 1::DECIMAL(38,9) AS p38s9,
          1::DECIMAL(38,10) AS p38s10, 1::DECIMAL(29,9) AS p29s9, 1::DECIMAL(38,0) AS p38s0`,
      );

      // Act
      const types = typesOf(elements);

      // Assess
      expect(types).toEqual({
        p29s0: 'NUMERIC',
        p30s0: 'BIGNUMERIC',
        p38s9: 'NUMERIC',
        p38s10: 'BIGNUMERIC',
        p29s9: 'NUMERIC',
        p38s0: 'BIGNUMERIC',
      });
    });

    describe.each([
      [38, 9, 'NUMERIC'],
      [39, 9, 'BIGNUMERIC'],
      [38, 10, 'BIGNUMERIC'],
      [29, 0, 'NUMERIC'],
      [30, 0, 'BIGNUMERIC'],
      [76, 38, 'BIGNUMERIC'],
      [38, 0, 'BIGNUMERIC'],
      [39, 0, 'STRING'],
      [77, 38, 'STRING'],
      [40, 39, 'STRING'],
      [39, 39, 'STRING'],
    ])('(%i, %i)', (precision, scale, expected) => {
      it(`loads as ${expected}`, () => {
        // Prepare: wider than DuckDB writes, as another writer may.
        const element: SchemaElement = {
          name: 'c',
          type: 'FIXED_LEN_BYTE_ARRAY',
          type_length: 32,
          converted_type: 'DECIMAL',
          precision,
          scale,
          logical_type: { type: 'DECIMAL', precision, scale },
        };

        // Act
        const type = bigQueryTypeOfParquet(element);

        // Assess
        expect(type).toBe(expected);
      });
    });
  });
});
