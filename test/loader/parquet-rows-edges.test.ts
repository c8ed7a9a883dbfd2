import type { TableField } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ParquetObject,
  parquetChanges,
  type ReadRange,
} from '../../lambdas/loader/current-table/parquet-rows.js';
import type { ChangeRow } from '../../lambdas/shared/bigquery/cdc-stream.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { manyRowGroups } from './big-files-helpers.js';
import { duckdbParquet } from './current-table-helpers.js';

const TABLE = 'casino_a_cdc.bets_current';
const FIELDS: TableField[] = [
  { name: '_dms_change_seq', type: 'STRING' },
  { name: 'id', type: 'INTEGER' },
  { name: 'name', type: 'STRING' },
];
/** One DMS row: `op` and `ts` are SQL expressions, so NULL can be given. */
const row = (op: string, id: number, ts = "'2024-03-27 01:43:01.000000'") =>
  `SELECT ${op} AS "Op", ${ts} AS _dms_timestamp, '${String(id).padStart(35, '0')}' AS _dms_change_seq,
    CAST(${id} AS BIGINT) AS id, 'n${id}' AS name`;

/**
 * parquetChanges on Parquet written by DuckDB's own writer: which rows and row groups come back,
 * which ranged reads it makes of the object, and the errors naming the row and column at fault.
 */
describe('parquetChanges: row groups, reads and refusals', { timeout: 60_000 }, () => {
  let emulator: BigQueryEmulator;
  /** Three row groups of two rows: ids 0–5. */
  let threeGroups: Uint8Array;

  beforeAll(async () => {
    emulator = await startBigQueryEmulator({ port: 0, jobStateDelayMs: 0 });
    threeGroups = await duckdbParquet(emulator, manyRowGroups(3, 2), 'ROW_GROUP_SIZE 2');
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  /** The object with the last `tailBytes` already read (the whole file by default); its ranged reads recorded. */
  const objectOf = (bytes: Uint8Array, tailBytes = bytes.byteLength) => {
    const reads: Array<[number, number]> = [];
    const object: ParquetObject = {
      size: bytes.byteLength,
      tail: bytes.slice(bytes.byteLength - tailBytes),
      read: async (start, end) => {
        reads.push([start, end]);
        return bytes.slice(start, end);
      },
    };
    return { object, reads };
  };

  const batchesOf = async (bytes: Uint8Array, range?: ReadRange, fields = FIELDS) => {
    const batches: ChangeRow[][] = [];
    for await (const batch of parquetChanges(objectOf(bytes).object, fields, TABLE, range))
      batches.push(batch);
    return batches;
  };
  const ids = (batches: ChangeRow[][]) => batches.map((batch) => batch.map((change) => change.values.id));

  const failure = async (bytes: Uint8Array, range?: ReadRange, fields = FIELDS): Promise<Error> => {
    try {
      await batchesOf(bytes, range, fields);
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected parquetChanges to fail');
  };

  it('reads exactly the row groups of a range in the middle of the file, each once', async () => {
    // Act
    const batches = await batchesOf(threeGroups, { rowGroups: { start: 1, end: 2 } });

    // Assess: group 1 holds ids 2 and 3; neither group 0 nor group 2 is read.
    expect(ids(batches)).toEqual([[2n, 3n]]);
  });

  it('refuses a range past the end of the file, naming the groups asked for and the fix', async () => {
    // Act
    const error = await failure(threeGroups, { rowGroups: { start: 1, end: 4 } });

    // Assess
    expect(error.name).toBe('ParquetValueError');
    expect(error.message).toBe(
      'row groups 1–3 were asked for, but the file has 3; the message does not belong to this version of the object',
    );
  });

  it('reads nothing by ranged GET when the tail it was given holds the whole file', async () => {
    // Prepare
    const { object, reads } = objectOf(threeGroups);

    // Act
    let rows = 0;
    for await (const batch of parquetChanges(object, FIELDS, TABLE)) rows += batch.length;

    // Assess
    expect(rows).toBe(6);
    expect(reads).toEqual([]);
  });

  it('takes the footer from the tail and reads only the bytes before it from the object', async () => {
    // Prepare: the tail is the footer's last part only (the file ends with the footer).
    const tailBytes = 200;
    const tailStart = threeGroups.byteLength - tailBytes;
    const { object, reads } = objectOf(threeGroups, tailBytes);

    // Act
    const batches: ChangeRow[][] = [];
    for await (const batch of parquetChanges(object, FIELDS, TABLE)) batches.push(batch);

    // Assess: every id once, and no ranged GET of what the tail already holds.
    expect(ids(batches).flat()).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter(([, end]) => end > tailStart)).toEqual([]);
  });

  it('reads the row groups inside the tail from the tail, exactly the bytes of each', async () => {
    // Prepare: the tail starts inside the first row group's data, so later groups come from it.
    const tailBytes = threeGroups.byteLength - 40;

    // Act
    const { object, reads } = objectOf(threeGroups, tailBytes);
    const batches: ChangeRow[][] = [];
    for await (const batch of parquetChanges(object, FIELDS, TABLE)) batches.push(batch);

    // Assess
    expect(ids(batches)).toEqual([
      [0n, 1n],
      [2n, 3n],
      [4n, 5n],
    ]);
    expect(reads.every(([start]) => start < 40)).toBe(true);
  });

  it('reads a GZIP file, which DMS writes', async () => {
    // Prepare
    const gzip = await duckdbParquet(emulator, row("'I'", 7), 'COMPRESSION gzip');

    // Act / Assess
    expect(ids(await batchesOf(gzip))).toEqual([[7n]]);
  });

  it('turns I and U into upserts, D into a delete, and an empty Op into an upsert', async () => {
    // Prepare
    const bytes = await duckdbParquet(
      emulator,
      [row("'I'", 1), row("'U'", 2), row("'D'", 3), row('CAST(NULL AS VARCHAR)', 4)].join(' UNION ALL '),
    );

    // Act
    const [changes = []] = await batchesOf(bytes);

    // Assess
    expect(changes.map((change) => [change.values.id, change.changeType])).toEqual([
      [1n, 'UPSERT'],
      [2n, 'UPSERT'],
      [3n, 'DELETE'],
      [4n, 'UPSERT'],
    ]);
  });

  it('upserts every row of a file without an Op column (a full load holds only inserts)', async () => {
    // Prepare
    const bytes = await duckdbParquet(
      emulator,
      `SELECT '2024-03-27 01:43:01.000000' AS _dms_timestamp, CAST(5 AS BIGINT) AS id, 'n5' AS name`,
    );

    // Act
    const [changes = []] = await batchesOf(bytes);

    // Assess
    expect(changes.map((change) => [change.values.id, change.values.name, change.changeType])).toEqual([
      [5n, 'n5', 'UPSERT'],
    ]);
  });

  it('refuses an Op it does not know, naming the row in the file and the value', async () => {
    // Prepare: the bad row is the second of the second row group (row 3 of the file).
    const group = (from: number) => `SELECT CASE WHEN i = 3 THEN 'X' ELSE 'I' END AS "Op",
      '2024-03-27 01:43:01.000000' AS _dms_timestamp, '' AS _dms_change_seq, CAST(i AS BIGINT) AS id,
      'n' || i AS name FROM range(${from}, ${from + 2}) t(i)`;
    const bytes = await duckdbParquet(emulator, `${group(0)} UNION ALL ${group(2)}`, 'ROW_GROUP_SIZE 2');
    // DuckDB groups rows by its own chunks; the test needs the bad row second in the second group.
    expect(ids(await batchesOf(bytes, { rowGroups: { start: 0, end: 1 } }))).toEqual([[0n, 1n]]);

    // Act
    const error = await failure(bytes);

    // Assess
    expect(error.name).toBe('ParquetValueError');
    expect(error.message).toBe('row 3: column Op: "X" is not one of I, U, D');
  });

  it('refuses a row without a _dms_timestamp, naming the row and the column', async () => {
    // Prepare
    const bytes = await duckdbParquet(
      emulator,
      `${row("'I'", 1)} UNION ALL ${row("'I'", 2, 'CAST(NULL AS VARCHAR)')}`,
    );

    // Act
    const error = await failure(bytes);

    // Assess
    expect(error.name).toBe('ParquetValueError');
    expect(error.message).toBe('row 1: column _dms_timestamp is empty');
  });

  it('refuses a column the table does not have, naming it and the table', async () => {
    // Act
    const error = await failure(threeGroups, undefined, FIELDS.slice(0, 2));

    // Assess
    expect(error.name).toBe('ParquetValueError');
    expect(error.message).toBe(`column name is not in ${TABLE}; the table was not brought up to date`);
  });

  it('refuses a nested column, which a CDC table row cannot hold', async () => {
    // Prepare
    const bytes = await duckdbParquet(
      emulator,
      `SELECT 'I' AS "Op", '2024-03-27 01:43:01.000000' AS _dms_timestamp, CAST(1 AS BIGINT) AS id,
        {'a': 1} AS detail`,
    );

    // Act
    const error = await failure(bytes, undefined, [...FIELDS, { name: 'detail', type: 'RECORD' }]);

    // Assess
    expect(error.name).toBe('ParquetValueError');
    expect(error.message).toBe('column detail is nested, which a CDC table row cannot hold here');
  });
});
