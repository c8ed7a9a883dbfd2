import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route, RoutingTable } from '../../lambdas/shared/routing.js';
import { deliver, duckdbParquet, tableRoute } from './current-table-helpers.js';
import { cdcKeyAt, LOCATION, type LoaderHarness, startLoaderHarness } from './harness.js';

/**
 * ADR 0040: the same DMS files give the same `_current` rows in both modes, in the order DMS's change
 * sequence gives, where commit times disagree with it. Each scenario has its own keys.
 */
const viewRoute: Route = { ...tableRoute, table: 'bets_v', targetTable: 'bets_v', current: 'view' };
const routing: RoutingTable = { 'casino_a/game/bets': tableRoute, 'casino_a/game/bets_v': viewRoute };

/** `$AR_H_CHANGE_SEQ`: 16 digits of time (yyyyMMddHHmmss + hundredths), then the 19-digit counter. */
const seq = (time: string, counter: number) => `${time}${String(counter).padStart(19, '0')}`;
const change = (op: string, at: string, changeSeq: string, id: number, name: string) =>
  `('${op}', '2024-03-27 ${at}', '${changeSeq}', CAST(${id} AS BIGINT), '${name}')`;
const file = (rows: string[]) =>
  `SELECT * FROM (VALUES ${rows.join(', ')}) AS t("Op", _dms_timestamp, _dms_change_seq, id, name)`;

const scenarios = {
  // The source's clock stepped back 2 s between two updates of key 1; DMS kept its sequence
  // increasing ("changes … within the same timestamp but with increasing change number").
  clockBack: [
    change('I', '01:43:05.000000', seq('2024032701430500', 41), 1, 'first'),
    change('U', '01:43:03.000000', seq('2024032701430500', 42), 1, 'second'),
  ],
  // A failover to a replica whose clock is behind: key 2 updated on the old primary, then deleted on
  // the new one with an earlier commit time; key 3 inserted on the new one.
  failover: [
    change('U', '01:43:10.000000', seq('2024032701431000', 100), 2, 'old-primary'),
    change('D', '01:43:08.000000', seq('2024032701431000', 101), 2, 'old-primary'),
    change('I', '01:43:09.000000', seq('2024032701431000', 102), 3, 'new-primary'),
  ],
  // An update committed in the second the full load started (MySQL: whole seconds), and one of the
  // second before, which the full load's row must beat.
  sameSecond: [
    change('U', '01:43:20.000000', seq('2024032701432000', 200), 4, 'updated-in-load-second'),
    change('U', '01:43:19.000000', seq('2024032701431900', 199), 5, 'updated-before-load'),
  ],
};
const fullLoad = [
  change('I', '01:43:20.300000', '', 4, 'full-load-stale'),
  change('I', '01:43:20.300000', '', 5, 'full-load'),
];
const truth = [
  { id: 1, name: 'second' },
  { id: 3, name: 'new-primary' },
  { id: 4, name: 'updated-in-load-second' },
  { id: 5, name: 'full-load' },
];

describe('one change order for the view and the CDC table (ADR 0040)', { timeout: 120_000 }, () => {
  let harness: LoaderHarness;
  beforeAll(async () => {
    harness = await startLoaderHarness({ currentTables: true, loader: { routing } });
    const files = [...Object.values(scenarios).map((rows) => file(rows)), file(fullLoad)];
    for (const [index, select] of files.entries()) {
      const body = await duckdbParquet(harness.emulator, select);
      for (const table of ['bets', 'bets_v']) {
        const key =
          index === files.length - 1
            ? `casino_a/game/${table}/LOAD00000001.parquet`
            : cdcKeyAt(index + 1, table);
        expect(await deliver(harness, key, body)).toEqual([]);
      }
    }
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const rows = async (table: string) => {
    const [result] = await harness.bigquery.query({
      query: `SELECT id, name FROM casino_a_cdc.${table} ORDER BY id`,
      location: LOCATION,
    });
    return result.map((row: { id: number; name: string }) => ({ id: Number(row.id), name: row.name }));
  };

  it('gives the source state in the CDC table', async () => {
    expect(await rows('bets_current')).toEqual(truth);
  });

  it('gives the same rows in the view', async () => {
    expect(await rows('bets_v_current')).toEqual(truth);
  });
});
