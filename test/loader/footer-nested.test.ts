import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { summarizeFooter } from '../../lambdas/shared/parquet/footer.js';

/** The footer DuckDB (not our writer) writes for a query's columns. */
async function duckdbFooter(select: string) {
  const dir = await mkdtemp(join(tmpdir(), 'footer-nested-'));
  try {
    const file = join(dir, 'f.parquet');
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    await connection.run(`COPY (${select}) TO '${file}' (FORMAT PARQUET)`);
    connection.closeSync();
    const bytes = await readFile(file);
    return summarizeFooter(
      parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('summarizeFooter with nested columns', () => {
  // The schema is a depth-first list: a group's children follow it, before the next top-level
  // column. Taking the first num_children elements would list a struct's fields as columns of the
  // table and drop the columns after it.
  it('lists only the top-level columns, in order, when a struct and a list come before flat ones', async () => {
    // Act
    const footer = await duckdbFooter(
      "SELECT 1::INTEGER AS id, {'a': 1, 'b': {'c': 'x'}} AS nested, [1, 2] AS list, 'n'::VARCHAR AS note",
    );

    // Assess
    expect(footer.columns.map((column) => column.name)).toStrictEqual(['id', 'nested', 'list', 'note']);
    expect(footer.columns.map((column) => column.bigqueryType)).toStrictEqual([
      'INTEGER',
      undefined,
      undefined,
      'STRING',
    ]);
  });

  it('lists flat columns as they are', async () => {
    // Act
    const footer = await duckdbFooter("SELECT 1::BIGINT AS id, 'x'::VARCHAR AS name");

    // Assess
    expect(footer.columns.map((column) => column.name)).toStrictEqual(['id', 'name']);
  });
});
