import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import { buildRoutingTable } from '../../lambdas/shared/routing.js';
import { type GroundTruthTable, s3Sink, simulate } from '../../local/simulator/index.js';
import { tickingClock } from './big-files-helpers.js';
import { type LoaderHarness, startLoaderHarness } from './harness.js';

/** casino_a's `bets`, its current state a CDC table. */
async function betsMapping(): Promise<SourceMapping> {
  const shipped = JSON.parse(await readFile('mappings/casino_a.json', 'utf8')) as SourceMapping;
  const bets = shipped.tables.find((table) => table.table === 'bets');
  if (!bets) throw new Error('mappings/casino_a.json has no bets table');
  return {
    ...shipped,
    bigquery: { ...shipped.bigquery, current: 'table' },
    tables: [{ ...bets, current: 'table' }],
  } as SourceMapping;
}

const asText = (columns: string[]) => columns.map((c) => `CAST("${c}" AS VARCHAR) AS "${c}"`).join(', ');

describe('loader: the simulator’s full-load file of many row groups reaches the CDC table in ranges', {
  timeout: 180_000,
}, () => {
  let harness: LoaderHarness;
  let truth: GroundTruthTable | undefined;
  let files = 0;
  let records = 0;
  beforeAll(async () => {
    const mapping = await betsMapping();
    harness = await startLoaderHarness({
      currentTables: true,
      loader: {
        routing: buildRoutingTable([mapping]),
        // 50-row groups: the 2,000-row full load is 40 groups, 8 ranges; each look at the clock
        // costs 40 ms, so a range also runs short of time and goes on as continuations.
        rangeLimits: { maxRows: 250, maxBytes: 1e9 },
        now: tickingClock(40),
      },
    });
    const result = await simulate({
      mappings: [{ file: 'casino_a.json', mapping }],
      sink: s3Sink(harness.aws.s3, harness.aws.bucket),
      minutes: 2,
      changesPerMinute: 200,
      initialRowsPerTable: 2_000,
      rowGroupLength: 50,
      gzip: true,
      seed: 19,
    });
    files = result.files.length;
    truth = Object.values(result.truth.tables).find((table) => table.table === 'bets');
    records = (await harness.drain({ concurrency: 2 })).recordsSucceeded;
  });
  afterAll(() => harness.stop());

  it('holds the simulator’s current keys, each with the changelog’s latest values', async () => {
    // Prepare
    const columns = (await harness.columns('bets_current')).filter((c) => c !== '_source_changed_at');

    // Act
    const current = await harness.emulator.query(
      `SELECT ${asText(columns)} FROM casino_a_cdc.bets_current ORDER BY id`,
    );
    const latest = await harness.emulator.query(`
      SELECT ${asText(columns)} FROM (
        SELECT *, row_number() OVER (PARTITION BY id ORDER BY _dms_timestamp DESC, _dms_change_seq DESC) AS rank
        FROM casino_a_cdc.bets
      ) WHERE rank = 1 AND "Op" <> 'D' ORDER BY id`);

    // Assess
    expect(await harness.deadLetters()).toEqual([]);
    // Each file's message, the full load's 8 ranges, and continuations.
    expect(records).toBeGreaterThan(files + 8);
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => Number(a.id) - Number(b.id);
    expect(current.map((row) => Number(row.id)).sort((a, b) => a - b)).toEqual(
      (truth?.currentRows ?? []).map((row) => Number(row.id)).sort((a, b) => a - b),
    );
    expect(current.sort(byId)).toEqual(latest.sort(byId));
  });
});
