import { afterEach, describe, expect, it } from 'vitest';
import { replayMessage } from '../../lambdas/shared/messages.js';
import type { Route, RoutingTable } from '../../lambdas/shared/routing.js';
import { deliver, duckdbParquet, tableRoute } from './current-table-helpers.js';
import { s3Notification } from './fixtures.js';
import { cdcKeyAt, LOCATION, type LoaderHarness, startLoaderHarness } from './harness.js';

/**
 * ADR 0041: a file delivered again days after a delete of one of its keys (a late duplicate, a DLQ
 * redrive, a replay with or without a new epoch) never brings the key back into the CDC table,
 * although BigQuery (and the emulator) forget a streamed DELETE after two days. The loader runs on
 * the emulator's clock, which the tests move.
 */
const viewRoute: Route = { ...tableRoute, table: 'bets_v', targetTable: 'bets_v', current: 'view' };
const routing: RoutingTable = { 'casino_a/game/bets': tableRoute, 'casino_a/game/bets_v': viewRoute };
const DAY = 86_400;

const seq = (n: number) => `2024032701430${n}00${String(n).padStart(19, '0')}`;
const change = (op: string, n: number, id: number, name: string) =>
  `('${op}', '2024-03-27 01:43:0${n}.000000', '${seq(n)}', CAST(${id} AS BIGINT), '${name}')`;
const file = (rows: string[]) =>
  `SELECT * FROM (VALUES ${rows.join(', ')}) AS t("Op", _dms_timestamp, _dms_change_seq, id, name)`;
const truth = [
  { id: 2, name: 'b2' },
  { id: 3, name: 'c' },
];

describe('late files never undo a delete (ADR 0041)', { timeout: 120_000 }, () => {
  let harness: LoaderHarness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  /** Two files: inserts, then a delete of key 1 and an update of key 2; both modes get them. */
  const start = async () => {
    let clock: (() => number) | undefined;
    const h = await startLoaderHarness({
      currentTables: true,
      loader: { routing, now: () => (clock ? clock() : Date.now()) },
    });
    clock = () => h.emulator.clock.now();
    harness = h;
    const inserts = await duckdbParquet(
      h.emulator,
      file([change('I', 1, 1, 'a'), change('I', 1, 2, 'b'), change('I', 1, 3, 'c')]),
    );
    const later = await duckdbParquet(h.emulator, file([change('D', 2, 1, 'a'), change('U', 3, 2, 'b2')]));
    for (const table of ['bets', 'bets_v']) {
      expect(await deliver(h, cdcKeyAt(1, table), inserts)).toEqual([]);
      expect(await deliver(h, cdcKeyAt(2, table), later)).toEqual([]);
    }
    return h;
  };

  const rows = async (h: LoaderHarness, table: string) => {
    const [result] = await h.bigquery.query({
      query: `SELECT id, name FROM casino_a_cdc.${table} ORDER BY id`,
      location: LOCATION,
    });
    return result.map((row: { id: number; name: string }) => ({ id: Number(row.id), name: row.name }));
  };

  it('a duplicate delivery or DLQ redrive three days later heals instead of streaming', async () => {
    // Prepare
    const h = await start();
    h.emulator.clock.advance(3 * DAY);

    // Act: the same notification again, as a redrive from the DLQ sends it.
    const failed = await h.invoke([s3Notification(h.aws.bucket, cdcKeyAt(1))]);

    // Assess
    expect(failed.batchItemFailures).toEqual([]);
    expect(await rows(h, 'bets_current')).toEqual(truth);
    expect(await rows(h, 'bets_v_current')).toEqual(truth);
  });

  it('a replay with a new epoch (a new load of the old file) three days later heals too', async () => {
    // Prepare
    const h = await start();
    h.emulator.clock.advance(3 * DAY);
    const replay = (key: string) =>
      JSON.stringify(replayMessage({ bucket: h.aws.bucket, key, replayEpoch: 1 }));

    // Act
    const failed = await h.invoke([replay(cdcKeyAt(1)), replay(cdcKeyAt(1, 'bets_v'))]);

    // Assess
    expect(failed.batchItemFailures).toEqual([]);
    expect(await rows(h, 'bets_current')).toEqual(truth);
    expect(await rows(h, 'bets_v_current')).toEqual(truth);
  });

  it('a full-load file replayed (--include-full-load) three days after a delete heals too', async () => {
    // Prepare: a full load of keys 7 and 8, then key 7 deleted.
    let clock: (() => number) | undefined;
    const h = await startLoaderHarness({
      currentTables: true,
      loader: { routing, now: () => (clock ? clock() : Date.now()) },
    });
    clock = () => h.emulator.clock.now();
    harness = h;
    const load = await duckdbParquet(
      h.emulator,
      file([
        "('I', '2024-03-27 01:42:00.300000', '', CAST(7 AS BIGINT), 'g')",
        "('I', '2024-03-27 01:42:00.300000', '', CAST(8 AS BIGINT), 'h')",
      ]),
    );
    const loadKey = 'casino_a/game/bets/LOAD00000001.parquet';
    expect(await deliver(h, loadKey, load)).toEqual([]);
    expect(
      await deliver(h, cdcKeyAt(1), await duckdbParquet(h.emulator, file([change('D', 1, 7, 'g')]))),
    ).toEqual([]);
    h.emulator.clock.advance(3 * DAY);

    // Act
    const failed = await h.invoke([
      JSON.stringify(replayMessage({ bucket: h.aws.bucket, key: loadKey, replayEpoch: 1 })),
    ]);

    // Assess
    expect(failed.batchItemFailures).toEqual([]);
    expect(await rows(h, 'bets_current')).toEqual([{ id: 8, name: 'h' }]);
  });
});
