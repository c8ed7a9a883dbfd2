import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMappingDir } from '../lambdas/shared/mappings/load.js';
import type { MappingFile, TableMapping } from '../lambdas/shared/mappings/model.js';
import { directorySink, type FileSink, simulate } from '../local/simulator/index.js';
import type { BenchResult } from './run.js';

/**
 * `dms2bq simulate` throughput at the reference shape: 6 sources × 12 tables (≈70), the example
 * mapping's column sets reused across them, CdcMaxBatchInterval 90 s. Target: ≥ 1,000,000 change
 * rows per minute of wall time, i.e. a full reference day (40 M rows) in ≤ 40 minutes; reported as
 * the ratio to that target and as a multiple of real time at the reference rate.
 */
const SOURCES = 6;
const TABLES_PER_SOURCE = 12;
const MINUTES = 10;
const CHANGES_PER_MINUTE = 6_000; // per source → 360,000 CDC rows in all
const TARGET_ROWS_PER_MINUTE = 1_000_000;
const REFERENCE_ROWS_PER_MINUTE = 40_000_000 / 1440;

async function referenceMappings(): Promise<MappingFile[]> {
  const [example] = await loadMappingDir('mappings');
  if (!example) throw new Error('mappings/ holds no example mapping');
  return Array.from({ length: SOURCES }, (_, s) => ({
    file: `bench/source_${s}.json`,
    mapping: {
      ...example.mapping,
      source: `source_${s}`,
      tables: Array.from({ length: TABLES_PER_SOURCE }, (_, t): TableMapping => {
        const template = example.mapping.tables[t % example.mapping.tables.length] as TableMapping;
        return { ...template, table: `${template.table}_${t}` };
      }),
    },
  }));
}

async function run(mappings: MappingFile[], sink: FileSink) {
  const started = process.hrtime.bigint();
  const { files } = await simulate({
    mappings,
    sink,
    minutes: MINUTES,
    changesPerMinute: CHANGES_PER_MINUTE,
    initialRowsPerTable: 0,
    includeTruthRows: false,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const rows = files.reduce((sum, file) => sum + file.rows, 0);
  const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
  return { ms, rows, bytes, files: files.length, perMinute: (rows / ms) * 60_000 };
}

export default async (): Promise<BenchResult> => {
  const mappings = await referenceMappings();
  const counting: FileSink = { write: async () => undefined };
  await run(mappings.slice(0, 1), counting); // warm-up: JIT, module loading
  const memory = await run(mappings, counting);
  const dir = await mkdtemp(join(tmpdir(), 'dms2bq-bench-sim-'));
  const disk = await run(mappings, directorySink(dir)).finally(() =>
    rm(dir, { recursive: true, force: true }),
  );
  const line = (name: string, r: typeof memory) =>
    `| ${name} | ${r.rows.toLocaleString('en')} | ${r.files} | ${(r.bytes / 1024 ** 2).toFixed(1)} | ${(r.ms / 1000).toFixed(1)} | ${Math.round(r.perMinute).toLocaleString('en')} | ${(r.perMinute / TARGET_ROWS_PER_MINUTE).toFixed(2)}× | ${Math.round(r.perMinute / REFERENCE_ROWS_PER_MINUTE)}× |`;
  const met = Math.min(memory.perMinute, disk.perMinute) >= TARGET_ROWS_PER_MINUTE;
  return {
    title: 'DMS file simulator',
    markdown: [
      `${SOURCES} sources × ${TABLES_PER_SOURCE} tables, ${MINUTES} simulated minutes at ${CHANGES_PER_MINUTE.toLocaleString('en')} changes/min per source, Parquet v1, no compression, 10,000-row row groups.`,
      '',
      '| sink | CDC rows | files | MiB | seconds | rows/min | vs target 1 M rows/min | vs real time at 40 M rows/day |',
      '|---|---|---|---|---|---|---|---|',
      line('in memory (generation + Parquet encoding)', memory),
      line('directory (+ file writes)', disk),
      '',
      `Target ≥ 1,000,000 rows/min (a reference day of 40 M rows in ≤ 40 min): **${met ? 'met' : 'NOT met'}**.`,
    ].join('\n'),
  };
};
