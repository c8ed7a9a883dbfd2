import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplayHandler, type ReplayResult } from '../../lambdas/replay/create-handler.js';
import { loadMappingDir } from '../../lambdas/shared/mappings/load.js';
import type { MappingFile, SourceMapping } from '../../lambdas/shared/mappings/model.js';
import {
  LOCAL_PROJECT_ID,
  type LocalPipeline,
  startLocalPipeline,
} from '../../local/pipeline/local-pipeline.js';
import type { PipelineSummary } from '../../local/pipeline/outcomes.js';
import { reconcile, type TableReconciliation } from '../../local/pipeline/reconcile.js';
import { uploadTree } from '../../local/pipeline/upload.js';
import { directorySink, type SimulationResult, simulate } from '../../local/simulator/index.js';

/** The example mapping as a source of each kind: every `_current` a view, or every one a CDC table. */
async function writeMappings(dir: string): Promise<void> {
  const example = JSON.parse(await readFile('mappings/casino_a.json', 'utf8')) as SourceMapping;
  const tables = example.tables.map(({ current: _, ...table }) => table);
  for (const current of ['view', 'table'] as const) {
    const source = `casino_${current}`;
    const mapping = { ...example, source, bigquery: { dataset: `${source}_cdc`, current }, tables };
    await writeFile(join(dir, `${source}.json`), JSON.stringify(mapping));
  }
}

const HELD_BACK_TABLE = 'game/bets/';
const keysOf = async (path: string): Promise<Set<number>> => {
  const bytes = await readFile(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const rows = await parquetReadObjects({ file, columns: ['id'] });
  return new Set(rows.map((row) => Number(row.id)));
};

const outcome = (tables: TableReconciliation[]) =>
  tables.map((t) => ({ table: t.table, kind: t.kind, matches: t.matches, examples: t.examples }));

/**
 * Two sources through the whole local pipeline, one with views and one with CDC tables as
 * `_current`: every file delivered at least twice and shuffled, the first CDC file of each source's
 * bets held back until every later one is loaded, then a forced replay of the CDC-table source
 * through the replay function. After each step every `_current` must equal the source's final state.
 */
describe('the local pipeline, end to end: a view source and a CDC-table source', () => {
  let work: string;
  let mappings: MappingFile[];
  let pipeline: LocalPipeline;
  let simulation: SimulationResult;
  let heldBack: string[];
  let summary: PipelineSummary;
  let changelogRows: Record<string, number>;
  let beforeReplay: TableReconciliation[];
  let replay: ReplayResult;
  let replayedLoads: string[];
  let afterReplay: TableReconciliation[];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'dms2bq-e2e-'));
    const landing = join(work, 'landing');
    await mkdir(join(work, 'mappings'));
    await writeMappings(join(work, 'mappings'));
    mappings = await loadMappingDir(join(work, 'mappings'));
    pipeline = await startLocalPipeline({
      mappings,
      notifier: { deliveries: 2, duplicateProbability: 0.3, shuffle: true, seed: 3 },
      // Any schema propagation delay (BIGQUERY_EMULATOR_SCHEMA_PROPAGATION_SECONDS) passes on the
      // emulator's clock: the loader's waits move it instead of taking real time.
      propagationWaits: 'emulator-clock',
    });
    simulation = await simulate({
      mappings,
      sink: directorySink(landing),
      minutes: 4,
      changesPerMinute: 400,
      initialRowsPerTable: 600,
      fullLoadRowsPerFile: 250,
      addColumnMidStream: true,
      seed: 11,
    });
    const keys = simulation.files.map((file) => file.key);
    heldBack = mappings.map(
      ({ mapping }) =>
        keys.find(
          (key) => key.startsWith(`${mapping.source}/${HELD_BACK_TABLE}`) && !key.includes('/LOAD'),
        ) as string,
    );

    await pipeline.applyWarehouse();
    await uploadTree(
      pipeline.aws.s3,
      pipeline.aws.bucket,
      landing,
      keys.filter((key) => !heldBack.includes(key)),
    );
    await pipeline.drain();
    await uploadTree(pipeline.aws.s3, pipeline.aws.bucket, landing, heldBack);
    await pipeline.drain();
    await pipeline.applyWarehouse();
    summary = pipeline.outcomes.summary(keys.length, await pipeline.deadLetteredKeys());
    changelogRows = {};
    for (const table of Object.values(simulation.truth.tables)) {
      const [metadata] = await pipeline.bigquery
        .dataset(table.dataset)
        .table(table.targetTable)
        .getMetadata();
      changelogRows[`${table.source}.${table.targetTable}`] = Number(metadata.numRows);
    }
    beforeReplay = await reconcile(pipeline.bigquery, LOCAL_PROJECT_ID, simulation.truth);

    replayedLoads = [];
    pipeline.outcomes.onEvent((event) => {
      if (event.status === 'loaded') replayedLoads.push(event.key);
    });
    const replayHandler = createReplayHandler({
      s3: pipeline.aws.s3,
      sqs: pipeline.aws.sqs,
      bucket: pipeline.aws.bucket,
      queueUrl: pipeline.aws.queueUrl,
      routing: pipeline.routing,
    });
    replay = await replayHandler(
      { source: 'casino_table', includeFullLoad: true, force: true },
      { getRemainingTimeInMillis: () => 900_000 },
    );
    await pipeline.drain();
    afterReplay = await reconcile(pipeline.bigquery, LOCAL_PROJECT_ID, simulation.truth);
  }, 240_000);

  afterAll(async () => {
    await pipeline?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('loads every file exactly once despite duplicate, shuffled deliveries', () => {
    // Assess
    expect(summary.failed).toEqual([]);
    expect(summary.loaded).toBe(simulation.files.length);
    expect(summary.duplicates).toBeGreaterThanOrEqual(simulation.files.length);
  });

  it('puts as many rows in each changelog as its files hold', () => {
    // Prepare
    const expected: Record<string, number> = {};
    for (const file of simulation.files) {
      const [source, schema, table] = file.key.split('/');
      const truth = simulation.truth.tables[`${source}/${schema}/${table}`];
      const name = `${source}.${truth?.targetTable}`;
      expected[name] = (expected[name] ?? 0) + file.rows;
    }

    // Assess
    expect(changelogRows).toEqual(expected);
  });

  it('held back a CDC file whose keys a later file of its table changes again', async () => {
    // Prepare
    const landing = join(work, 'landing');
    const later = (held: string) => {
      const table = held.slice(0, held.indexOf(HELD_BACK_TABLE) + HELD_BACK_TABLE.length);
      return simulation.files
        .map((file) => file.key)
        .filter((key) => key.startsWith(table) && !key.includes('/LOAD') && key > held);
    };

    // Act
    const overlaps = await Promise.all(
      heldBack.map(async (held) => {
        const heldKeys = await keysOf(join(landing, held));
        let shared = 0;
        for (const key of later(held))
          for (const id of await keysOf(join(landing, key))) if (heldKeys.has(id)) shared++;
        return shared;
      }),
    );

    // Assess
    expect(heldBack).toHaveLength(2);
    for (const shared of overlaps) expect(shared).toBeGreaterThan(0);
  });

  it('makes every _current, view and CDC table, equal the final state after an older file loads last', () => {
    // Assess
    expect(outcome(beforeReplay)).toEqual(
      Object.values(simulation.truth.tables).map((t) => ({
        table: `${t.dataset}.${t.targetTable}`,
        kind: t.source === 'casino_table' ? 'table' : 'view',
        matches: true,
        examples: [],
      })),
    );
  });

  it('replays every file of the CDC-table source through the replay function, and each loads again', () => {
    // Prepare
    const files = simulation.files.filter((file) => file.key.startsWith('casino_table/')).map((f) => f.key);

    // Assess
    expect(replay).toMatchObject({ matched: files.length, enqueued: files.length });
    expect([...new Set(replayedLoads)].sort()).toEqual([...files].sort());
  });

  it('leaves every _current equal to the final state after the forced replay, no row more', () => {
    // Assess
    expect(outcome(afterReplay)).toEqual(outcome(beforeReplay));
    for (const table of afterReplay) {
      expect({ table: table.table, unexpected: table.unexpected, rows: table.actualRows }).toEqual({
        table: table.table,
        unexpected: 0,
        rows: table.expectedRows,
      });
    }
  });

  it('makes each _current of the CDC-table source a table keyed by the mapping’s primary key', async () => {
    // Prepare
    const tables = Object.values(simulation.truth.tables).filter((t) => t.source === 'casino_table');

    // Act
    const found = await Promise.all(
      tables.map(async (t) => {
        const [metadata] = await pipeline.bigquery
          .dataset(t.dataset)
          .table(`${t.targetTable}_current`)
          .getMetadata();
        return { type: metadata.type, primaryKey: metadata.tableConstraints?.primaryKey?.columns };
      }),
    );

    // Assess
    expect(found).toEqual(tables.map((t) => ({ type: 'TABLE', primaryKey: t.primaryKey })));
  });

  it('exercised full load, re-inserts, repeated changes in one file and the added column', () => {
    // Assess
    const scenarios = Object.values(simulation.truth.tables).map((t) => t.scenarios);
    expect(simulation.files.some((f) => f.kind === 'load')).toBe(true);
    expect(scenarios.some((s) => s.reinserts > 0)).toBe(true);
    expect(scenarios.some((s) => s.keysChangedMoreThanOnceInOneFile > 0)).toBe(true);
    expect(scenarios.every((s) => s.addedColumn !== null)).toBe(true);
  });
});
