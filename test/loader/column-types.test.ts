import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import {
  bigQueryTypeOfParquet,
  isWidening,
  typeConflicts,
} from '../../lambdas/shared/bigquery/column-types.js';

describe('bigQueryTypeOfParquet', () => {
  it('maps the columns of a Parquet file DuckDB wrote the way reference/bigquery-loads.md says', async () => {
    // Prepare: another writer than ours, with the types DMS writes for MySQL columns.
    const dir = await mkdtemp(join(tmpdir(), 'column-types-'));
    const path = join(dir, 'types.parquet');
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    await connection.run(`COPY (SELECT 1::INTEGER AS i32, 2::BIGINT AS i64, 1.5::DOUBLE AS f, 'x' AS s,
      true AS b, DATE '2024-01-02' AS d, TIMESTAMP '2024-01-02 03:04:05' AS ts, 'ab'::BLOB AS bytes,
      12.34::DECIMAL(18,2) AS n, 1.5::DECIMAL(38,20) AS wide) TO '${path}' (FORMAT PARQUET)`);
    connection.closeSync();

    // Act
    const bytes = await readFile(path);
    const metadata = parquetMetadata(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    const types = Object.fromEntries(metadata.schema.slice(1).map((e) => [e.name, bigQueryTypeOfParquet(e)]));
    await rm(dir, { recursive: true, force: true });

    // Assess
    expect(types).toEqual({
      i32: 'INTEGER',
      i64: 'INTEGER',
      f: 'FLOAT',
      s: 'STRING',
      b: 'BOOLEAN',
      d: 'DATE',
      ts: 'TIMESTAMP',
      bytes: 'BYTES',
      n: 'NUMERIC',
      wide: 'BIGNUMERIC',
    });
  });
});

describe('isWidening', () => {
  it.each([
    ['INT64', 'NUMERIC', true],
    ['INTEGER', 'BIGNUMERIC', true],
    ['INT64', 'FLOAT64', true],
    ['NUMERIC', 'BIGNUMERIC', true],
    ['NUMERIC', 'FLOAT', true],
    ['BIGNUMERIC', 'FLOAT64', true],
    ['FLOAT64', 'INT64', false],
    ['NUMERIC', 'INT64', false],
    ['INT64', 'STRING', false],
    ['STRING', 'INT64', false],
    ['FLOAT64', 'NUMERIC', false],
    ['DATE', 'TIMESTAMP', false],
  ] as const)('%s → %s: %s', (from, to, expected) => {
    // Act
    const widening = isWidening(from, to);

    // Assess
    expect(widening).toBe(expected);
  });
});

describe('typeConflicts', () => {
  it('reports columns of both with different types, names compared case-insensitively', () => {
    // Prepare
    const table = [
      { name: 'ID', type: 'INTEGER' },
      { name: 'amount', type: 'INTEGER' },
      { name: 'note', type: 'STRING' },
    ];
    const file = [
      { name: 'id', bigqueryType: 'INTEGER' },
      { name: 'amount', bigqueryType: 'FLOAT' },
      { name: 'note', bigqueryType: 'BYTES' },
      { name: 'added', bigqueryType: 'STRING' },
      { name: 'unknown' },
    ];

    // Act
    const conflicts = typeConflicts(table, file);

    // Assess
    expect(conflicts).toEqual([
      { column: 'amount', tableType: 'INTEGER', fileType: 'FLOAT', widening: true },
      { column: 'note', tableType: 'STRING', fileType: 'BYTES', widening: false },
    ]);
  });
});
