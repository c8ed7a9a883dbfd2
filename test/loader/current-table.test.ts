import type { TableMetadata } from '@google-cloud/bigquery';
import { afterEach, describe, expect, it } from 'vitest';
import type { Route } from '../../lambdas/shared/routing.js';
import {
  currentState,
  deliver,
  duckdbParquet,
  loadJobCount,
  tableRoute,
  tableRouting,
} from './current-table-helpers.js';
import { s3Notification } from './fixtures.js';
import { cdcKeyAt, type LoaderHarness, startLoaderHarness } from './harness.js';

const TS = (n: number) => `'2024-03-27 01:43:0${n}.000000'`;
const SEQ = (n: number) => `'${String(n).padStart(35, '0')}'`;

/** A DMS-shaped CDC file with one column of every type DuckDB writes that the loader streams. */
const allTypes = (rows: string[]) => `
  SELECT * FROM (VALUES ${rows.join(', ')}) AS t(
    "Op", _dms_timestamp, _dms_change_seq, id, small, price, wide, ratio, name, payload, flag, placed_at, day, clock
  )`;
const row = (
  op: string,
  n: number,
  id: number,
  name: string,
) => `('${op}', ${TS(n)}, ${SEQ(n)}, CAST(${id} AS BIGINT), CAST(${id * 7} AS INTEGER),
  CAST('${id}123456789.25' AS DECIMAL(18,2)), CAST('-${id}2345678901234567890123.123456789012345' AS DECIMAL(38,15)),
  CAST(${id}.5 AS DOUBLE), '${name}', '\\x00\\xFF'::BLOB, ${id % 2 === 0}, TIMESTAMP '2024-02-29 12:34:56.789012',
  DATE '1969-12-31', TIME '23:59:59.000001')`;

describe('loader: table routes stream every file into <table>_current', { timeout: 60_000 }, () => {
  let harness: LoaderHarness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });
  const start = async () => {
    harness = await startLoaderHarness({ currentTables: true, loader: { routing: tableRouting } });
    return harness;
  };

  it('creates the CDC table from the changelog schema and applies inserts, updates and deletes', async () => {
    // Prepare
    const h = await start();
    const first = await duckdbParquet(
      h.emulator,
      allTypes([row('I', 1, 1, 'a'), row('I', 2, 2, 'b'), row('I', 3, 3, 'c')]),
    );
    const second = await duckdbParquet(h.emulator, allTypes([row('U', 4, 1, 'a2'), row('D', 5, 2, 'b')]));

    // Act
    const failed = [...(await deliver(h, cdcKeyAt(1), first)), ...(await deliver(h, cdcKeyAt(2), second))];

    // Assess
    expect(failed).toEqual([]);
    const [metadata] = await h.bigquery.dataset('casino_a_cdc').table('bets_current').getMetadata();
    expect(metadata.tableConstraints).toEqual({ primaryKey: { columns: ['id'] } });
    expect(await currentState(h, 'id, name, _dms_change_seq')).toEqual([
      { id: '1', name: 'a2', _dms_change_seq: SEQ(4).slice(1, -1) },
      { id: '3', name: 'c', _dms_change_seq: SEQ(3).slice(1, -1) },
    ]);
  });

  it('recreates a CDC table dropped after it streamed (as a rebuild does): NOT_FOUND is retried in the delivery', async () => {
    // Prepare
    const h = await start();
    expect(
      await deliver(h, cdcKeyAt(1), await duckdbParquet(h.emulator, allTypes([row('I', 1, 1, 'a')]))),
    ).toEqual([]);
    await h.bigquery.dataset('casino_a_cdc').table('bets_current').delete();
    const second = await duckdbParquet(h.emulator, allTypes([row('I', 2, 2, 'b')]));

    // Act: the container still believes the table exists, so its first append meets NOT_FOUND.
    const failed = await deliver(h, cdcKeyAt(2), second);

    // Assess
    expect(failed).toEqual([]);
    expect(await currentState(h, 'id, name')).toEqual([{ id: '2', name: 'b' }]);
  });

  it('leaves a _current view left by the view mode to warehouse apply and acknowledges the file (ADR 0042)', async () => {
    // Prepare: the mapping switched to `table`; the view `warehouse apply` made is still there.
    const h = await start();
    await h.bigquery
      .dataset('casino_a_cdc')
      .createTable('bets', { schema: { fields: [{ name: 'id', type: 'INTEGER' }] } });
    await h.bigquery.dataset('casino_a_cdc').createTable('bets_current', {
      view: { query: 'SELECT * FROM `casino_a_cdc.bets`', useLegacySql: false },
    });

    // Act
    const failed = await deliver(
      h,
      cdcKeyAt(1),
      await duckdbParquet(h.emulator, allTypes([row('I', 1, 1, 'a')])),
    );

    // Assess: the file is in the changelog, which the backfill reads; the view is untouched.
    expect(failed).toEqual([]);
    const [metadata] = await h.bigquery.dataset('casino_a_cdc').table('bets_current').getMetadata();
    expect(metadata.type).toBe('VIEW');
    expect(await h.rowCount('bets')).toBe(1);
  });

  it('leaves a CDC table under a view route to warehouse apply, and never deletes it (ADR 0042)', async () => {
    // Prepare: the mapping (or a rolled-back deploy) went back to `view`; the CDC table is still there.
    const viewRoute: Route = { ...tableRoute, current: 'view' };
    harness = await startLoaderHarness({ loader: { routing: { 'casino_a/game/bets': viewRoute } } });
    const h = harness;
    await h.bigquery.dataset('casino_a_cdc').createTable('bets_current', {
      schema: { fields: [{ name: 'id', type: 'INTEGER' }] },
      tableConstraints: { primaryKey: { columns: ['id'] } },
    } as TableMetadata);

    // Act
    const failed = await deliver(
      h,
      cdcKeyAt(1),
      await duckdbParquet(h.emulator, allTypes([row('I', 1, 1, 'a')])),
    );

    // Assess
    expect(failed).toEqual([]);
    const [metadata] = await h.bigquery.dataset('casino_a_cdc').table('bets_current').getMetadata();
    expect(metadata).toMatchObject({ type: 'TABLE', tableConstraints: { primaryKey: { columns: ['id'] } } });
    expect(await h.rowCount('bets')).toBe(1);
  });

  it('writes every column type exactly as the changelog holds it', async () => {
    // Prepare
    const h = await start();
    const file = await duckdbParquet(h.emulator, allTypes([row('I', 1, 1, 'a')]));

    // Act
    await deliver(h, cdcKeyAt(1), file);

    // Assess: the CDC table and the changelog agree on every value, compared as text.
    const columns = (await h.columns('bets_current')).filter((name) => name !== '_source_changed_at');
    const text = columns.map((name) => `CAST("${name}" AS VARCHAR) AS "${name}"`).join(', ');
    const [changelog] = await h.emulator.query(`SELECT ${text} FROM casino_a_cdc.bets`);
    const [current] = await h.emulator.query(`SELECT ${text} FROM casino_a_cdc.bets_current`);
    expect(current).toEqual(changelog);
    expect(current).toMatchObject({
      price: '1123456789.250000000',
      day: '1969-12-31',
      clock: '23:59:59.000001',
    });
    const [changedAt] = await h.emulator.query(
      `SELECT strftime(_source_changed_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%f') AS t FROM casino_a_cdc.bets_current`,
    );
    expect(changedAt).toEqual({ t: '2024-03-27 01:43:01.000000' });
  });

  it('reads a file row group by row group', async () => {
    // Prepare
    const h = await start();
    const rows = Array.from({ length: 9 }, (_, i) => row('I', 1, i + 1, `n${i}`));
    const file = await duckdbParquet(h.emulator, allTypes(rows), 'ROW_GROUP_SIZE 2');

    // Act
    await deliver(h, cdcKeyAt(1), file);

    // Assess
    expect(await currentState(h, 'id')).toHaveLength(9);
  });

  it('appends a column the changelog gained before streaming the file that brought it', async () => {
    // Prepare
    const h = await start();
    await deliver(h, cdcKeyAt(1), await duckdbParquet(h.emulator, allTypes([row('I', 1, 1, 'a')])));
    const withNote = `SELECT *, 'hello' AS note FROM (${allTypes([row('U', 2, 1, 'b')])})`;

    // Act
    const failed = await deliver(h, cdcKeyAt(2), await duckdbParquet(h.emulator, withNote));

    // Assess
    expect(failed).toEqual([]);
    expect((await h.columns('bets_current')).slice(-3)).toEqual([
      '_source_changed_at',
      '_dms_change_seq',
      'note',
    ]);
    expect(await currentState(h, 'id, name, note')).toEqual([{ id: '1', name: 'b', note: 'hello' }]);
  });

  it('creates the table once when two files of a new table arrive together', async () => {
    // Prepare
    const h = await start();
    await h.put(cdcKeyAt(1), await duckdbParquet(h.emulator, allTypes([row('I', 1, 1, 'a')])));
    await h.put(cdcKeyAt(2), await duckdbParquet(h.emulator, allTypes([row('I', 2, 2, 'b')])));

    // Act
    const response = await h.invoke(
      [cdcKeyAt(1), cdcKeyAt(2)].map((key) => s3Notification(h.aws.bucket, key)),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await currentState(h, 'id')).toEqual([{ id: '1' }, { id: '2' }]);
  });

  it('streams again on redelivery without a second load job', async () => {
    // Prepare: a table without a primary key refuses CDC rows, after the changelog load.
    const h = await start();
    await h.bigquery.dataset('casino_a_cdc').createTable('bets_current', {
      schema: { fields: [{ name: 'id', type: 'INTEGER' }] },
    });
    const file = await duckdbParquet(h.emulator, allTypes([row('I', 1, 1, 'a')]));
    const firstFailures = await deliver(h, cdcKeyAt(1), file);
    const jobsAfterFirst = await loadJobCount(h);
    await h.bigquery.dataset('casino_a_cdc').table('bets_current').delete();

    // Act
    const secondFailures = await deliver(h, cdcKeyAt(1));

    // Assess
    expect(firstFailures).toHaveLength(1);
    expect(await h.rowCount()).toBe(1);
    expect(secondFailures).toEqual([]);
    expect(await loadJobCount(h)).toBe(jobsAfterFirst);
    expect(await currentState(h, 'id, name')).toEqual([{ id: '1', name: 'a' }]);
  });
});
