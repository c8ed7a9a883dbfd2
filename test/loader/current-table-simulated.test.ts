import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import { buildRoutingTable } from '../../lambdas/shared/routing.js';
import { type GroundTruthTable, s3Sink, simulate } from '../../local/simulator/index.js';
import { type LoaderHarness, startLoaderHarness } from './harness.js';

/** casino_a's `bets` (decimal(38,10), json, datetime, date, tinyint …), its current state a CDC table. */
async function betsMapping(): Promise<SourceMapping> {
  const shipped = JSON.parse(await readFile('mappings/casino_a.json', 'utf8')) as SourceMapping;
  const bets = shipped.tables.find((table) => table.table === 'bets');
  if (!bets) throw new Error('mappings/casino_a.json has no bets table');
  return {
    source: shipped.source,
    engine: shipped.engine,
    bigquery: { dataset: shipped.bigquery.dataset, current: 'table' },
    tables: [{ ...bets, current: 'table' }],
  } as SourceMapping;
}

/**
 * The `_current` view's rule (latest change per key by `_dms_timestamp`, `_dms_change_seq`, deletes
 * dropped) applied to the changelog, every column as text: what the CDC table must hold.
 */
const fromChangelog = (columns: string[]) => `
  SELECT ${columns.map((c) => `CAST("${c}" AS VARCHAR) AS "${c}"`).join(', ')} FROM (
    SELECT *, row_number() OVER (PARTITION BY id ORDER BY _dms_timestamp DESC, _dms_change_seq DESC) AS rank
    FROM casino_a_cdc.bets
  ) WHERE rank = 1 AND "Op" <> 'D' ORDER BY id`;

describe('loader: the simulator’s DMS files stream into the CDC table', { timeout: 120_000 }, () => {
  let harness: LoaderHarness;
  let truth: GroundTruthTable | undefined;
  beforeAll(async () => {
    const mapping = await betsMapping();
    harness = await startLoaderHarness({
      currentTables: true,
      loader: { routing: buildRoutingTable([mapping]) },
    });
    const result = await simulate({
      mappings: [{ file: 'casino_a.json', mapping }],
      sink: s3Sink(harness.aws.s3, harness.aws.bucket),
      minutes: 6,
      changesPerMinute: 300,
      initialRowsPerTable: 200,
      gzip: true,
      addColumnMidStream: true,
      seed: 3,
    });
    truth = Object.values(result.truth.tables).find((table) => table.table === 'bets');
    await harness.drain({ concurrency: 2 });
  });
  afterAll(() => harness.stop());

  it('holds, for every key, the changelog’s latest change, value for value', async () => {
    // Prepare
    const columns = (await harness.columns('bets_current')).filter((c) => c !== '_source_changed_at');

    // Act
    const current = await harness.emulator.query(
      `SELECT ${columns.map((c) => `CAST("${c}" AS VARCHAR) AS "${c}"`).join(', ')} FROM casino_a_cdc.bets_current ORDER BY id`,
    );

    // Assess
    expect(await harness.deadLetters()).toEqual([]);
    expect(current.length).toBe(truth?.rowCount);
    expect(current).toEqual(await harness.emulator.query(fromChangelog(columns)));
  });

  it('has the column added mid-stream', async () => {
    // Act
    const columns = await harness.columns('bets_current');

    // Assess
    expect(columns).toContain('sim_added_note');
  });
});
