import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { TableField } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetChanges } from '../../lambdas/loader/current-table/parquet-rows.js';
import { ParquetValueError } from '../../lambdas/loader/current-table/parquet-values.js';

/**
 * The physical encodings a real writer picks (DuckDB: DECIMAL as INT32, INT64 or fixed-length bytes
 * by precision; TIMESTAMP in ms, µs or ns; TIME as µs), read through the loader's own reader, so the
 * values the CDC table gets are checked from the file's bytes, not from hand-made values.
 */
let dir: string;
let connection: Awaited<ReturnType<DuckDBInstance['connect']>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parquet-values-'));
  connection = await (await DuckDBInstance.create(':memory:')).connect();
});

afterAll(async () => {
  connection.closeSync();
  await rm(dir, { recursive: true, force: true });
});

/** The file DuckDB writes for `select`, as the loader's reader takes it. */
async function parquetOf(select: string) {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.parquet`);
  await connection.run(`COPY (${select}) TO '${path}' (FORMAT parquet)`);
  const bytes = new Uint8Array(await readFile(path));
  return {
    size: bytes.byteLength,
    tail: bytes,
    read: async (start: number, end: number) => bytes.subarray(start, end),
  };
}

async function valuesOf(select: string, fields: TableField[]): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const batch of parquetChanges(await parquetOf(select), fields, 'shop.orders')) {
    for (const row of batch) rows.push(row.values);
  }
  return rows;
}

const DMS = `'U' AS "Op", '2024-01-02 03:04:05.123456' AS _dms_timestamp`;

describe('values as DuckDB encodes them', () => {
  it('reads DECIMAL stored as INT32, INT64 and fixed-length bytes exactly, negatives included', async () => {
    const values = await valuesOf(
      `SELECT ${DMS}, CAST('-1234567.89' AS DECIMAL(9,2)) AS small, CAST('-123456789012345.678' AS DECIMAL(18,3)) AS mid,
        CAST('-1234567890123456789012345678.0123456789' AS DECIMAL(38,10)) AS big, CAST('42' AS DECIMAL(5,0)) AS whole`,
      [
        { name: 'small', type: 'NUMERIC' },
        { name: 'mid', type: 'NUMERIC' },
        { name: 'big', type: 'BIGNUMERIC' },
        { name: 'whole', type: 'NUMERIC' },
      ],
    );
    expect(values[0]).toMatchObject({
      small: '-1234567.89',
      mid: '-123456789012345.678',
      big: '-1234567890123456789012345678.0123456789',
      whole: '42',
    });
  });

  it('reads TIMESTAMP in ms, µs and ns as µs since 1970, before 1970 too', async () => {
    const values = await valuesOf(
      `SELECT ${DMS}, CAST(TIMESTAMP '1969-12-31 23:59:59.998' AS TIMESTAMP_MS) AS ms,
        TIMESTAMP '1969-12-31 23:59:59.998500' AS us, CAST('1970-01-01 00:00:01.234567891' AS TIMESTAMP_NS) AS ns,
        TIMESTAMP '1969-12-31 23:59:59.998500' AS wall`,
      [
        { name: 'ms', type: 'TIMESTAMP' },
        { name: 'us', type: 'TIMESTAMP' },
        { name: 'ns', type: 'TIMESTAMP' },
        { name: 'wall', type: 'DATETIME' },
      ],
    );
    expect(values[0]).toMatchObject({
      ms: -2_000n,
      us: -1_500n,
      ns: 1_234_567n,
      wall: '1969-12-31 23:59:59.998500',
    });
  });

  it('reads TIME, DATE, DOUBLE, BLOB and text as the CDC table takes them', async () => {
    const values = await valuesOf(
      `SELECT ${DMS}, TIME '23:59:59.000001' AS t, TIME '00:00:00' AS midnight, DATE '1969-12-31' AS d,
        CAST(1.5 AS DOUBLE) AS f, '\\x00\\xFF'::BLOB AS b, 'é' AS s`,
      [
        { name: 't', type: 'TIME' },
        { name: 'midnight', type: 'TIME' },
        { name: 'd', type: 'DATE' },
        { name: 'f', type: 'FLOAT' },
        { name: 'b', type: 'BYTES' },
        { name: 's', type: 'STRING' },
      ],
    );
    expect(values[0]).toMatchObject({ t: '23:59:59.000001', midnight: '00:00:00', d: -1, f: 1.5, s: 'é' });
    expect(values[0]?.b).toEqual(new Uint8Array([0x00, 0xff]));
  });

  it('keeps nulls null in every type', async () => {
    const types = ['DECIMAL(9,2)', 'TIMESTAMP', 'TIME', 'DATE', 'DOUBLE', 'BLOB', 'VARCHAR'];
    const values = await valuesOf(
      `SELECT ${DMS}, ${types.map((type, index) => `CAST(NULL AS ${type}) AS c${index}`).join(', ')}`,
      ['NUMERIC', 'DATETIME', 'TIME', 'DATE', 'FLOAT', 'BYTES', 'STRING'].map((type, index) => ({
        name: `c${index}`,
        type,
      })),
    );
    expect(values[0]).toMatchObject(Object.fromEntries(types.map((_, index) => [`c${index}`, null])));
  });

  it('refuses a value its column cannot hold, naming the row and column', async () => {
    await expect(
      valuesOf(`SELECT ${DMS}, CAST(1.5 AS DOUBLE) AS at`, [{ name: 'at', type: 'TIMESTAMP' }]),
    ).rejects.toThrow(new ParquetValueError('row 0: column at: 1.5 is not a TIMESTAMP'));
  });
});
