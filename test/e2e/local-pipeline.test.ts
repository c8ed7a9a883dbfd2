import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMappingDir } from '../../lambdas/shared/mappings/load.js';
import type { MappingFile } from '../../lambdas/shared/mappings/model.js';
import {
  LOCAL_PROJECT_ID,
  type LocalPipeline,
  startLocalPipeline,
} from '../../local/pipeline/local-pipeline.js';
import type { PipelineSummary } from '../../local/pipeline/outcomes.js';
import { reconcile, type TableReconciliation } from '../../local/pipeline/reconcile.js';
import { type SimulationResult, s3Sink, simulate } from '../../local/simulator/index.js';

describe('the local pipeline, end to end', () => {
  let mappings: MappingFile[];
  let pipeline: LocalPipeline;
  let simulation: SimulationResult;
  let summary: PipelineSummary;
  let tables: TableReconciliation[];
  let viewsApplied: string[];

  beforeAll(async () => {
    mappings = await loadMappingDir('mappings');
    pipeline = await startLocalPipeline({
      mappings,
      notifier: { deliveries: 2, duplicateProbability: 0.3, shuffle: true, seed: 3 },
    });
    ({ summary, viewsApplied } = await pipeline.loadAll(async () => {
      simulation = await simulate({
        mappings,
        sink: s3Sink(pipeline.aws.s3, pipeline.aws.bucket),
        minutes: 4,
        changesPerMinute: 400,
        initialRowsPerTable: 600,
        fullLoadRowsPerFile: 250,
        addColumnMidStream: true,
        seed: 11,
      });
      return simulation.files.length;
    }));
    tables = await reconcile(pipeline.bigquery, LOCAL_PROJECT_ID, simulation.truth);
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('loads every file exactly once despite duplicate, shuffled deliveries', () => {
    // Assess
    expect(summary.failed).toEqual([]);
    expect(summary.loaded).toBe(simulation.files.length);
    expect(summary.duplicates).toBeGreaterThanOrEqual(simulation.files.length);
  });

  it('loads as many rows as the files hold', () => {
    // Prepare
    const expected: Record<string, number> = {};
    for (const file of simulation.files) {
      const [source, schema, table] = file.key.split('/');
      const truth = simulation.truth.tables[`${source}/${schema}/${table}`];
      const name = `${source}.${truth?.targetTable}`;
      expected[name] = (expected[name] ?? 0) + file.rows;
    }

    // Assess
    expect(summary.rowsByTable).toEqual(expected);
  });

  it('makes every _current view equal the source’s final state, row for row', () => {
    // Assess
    expect(tables.map((t) => ({ table: t.table, matches: t.matches, examples: t.examples }))).toEqual(
      Object.values(simulation.truth.tables).map((t) => ({
        table: `${t.dataset}.${t.targetTable}`,
        matches: true,
        examples: [],
      })),
    );
  });

  it('exercised full load, re-inserts, repeated changes in one file and the added column', () => {
    // Assess
    const scenarios = Object.values(simulation.truth.tables).map((t) => t.scenarios);
    expect(simulation.files.some((f) => f.kind === 'load')).toBe(true);
    expect(scenarios.some((s) => s.reinserts > 0)).toBe(true);
    expect(scenarios.some((s) => s.keysChangedMoreThanOnceInOneFile > 0)).toBe(true);
    expect(scenarios.every((s) => s.addedColumn !== null)).toBe(true);
  });

  it('applies one view per mapped table', () => {
    // Assess
    expect(viewsApplied.sort()).toEqual(
      Object.values(simulation.truth.tables)
        .map((t) => `${t.dataset}.${t.targetTable}_current`)
        .sort(),
    );
  });
});
