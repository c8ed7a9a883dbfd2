import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { findLocalEnvironment } from '../../cli/local-environment.js';
import { DEFAULT_TRUTH } from '../../cli/operate/target.js';
import { loadMappingDir } from '../../lambdas/shared/mappings/load.js';
import {
  LOCAL_PROJECT_ID,
  localSchemaPropagationSeconds,
  startLocalPipeline,
} from '../pipeline/local-pipeline.js';
import { ProgressDisplay } from '../pipeline/progress.js';
import { type CurrentKind, reconcile } from '../pipeline/reconcile.js';
import { renderSummary } from '../pipeline/summary.js';
import { type GroundTruth, s3Sink, simulate, writeGroundTruth } from '../simulator/index.js';

/**
 * `npm start`: the whole pipeline on this machine. Simulated DMS output for the example mappings
 * lands in local S3, every file is announced more than once, the real loader handler loads it into
 * the BigQuery emulator (and streams the rows of `"current": "table"` tables into their CDC tables
 * through the emulated Storage Write API), and every `<table>_current`, view or CDC table, is
 * compared row for row with the ground truth, as are the open versions of every `<table>_history`.
 */
const MINUTES = 6;
const warehousePath = join('.local', 'warehouse.duckdb');

await mkdir('.local', { recursive: true });
// Never under a running `local up`: removing the file it holds would take its data with it.
const running = await findLocalEnvironment();
if (running && running.warehousePath === resolve(warehousePath)) {
  process.stderr.write(
    `npm start: dms2bq local up (PID ${running.pid}) is serving ${warehousePath}; npm start would replace it. Use that environment (npx dms2bq simulate --out s3 …), or stop it with Ctrl-C and run npm start again\n`,
  );
  process.exit(1);
}
await rm(warehousePath, { force: true });
const mappings = await loadMappingDir('mappings');
const pipeline = await startLocalPipeline({
  mappings,
  warehousePath,
  // At-least-once delivery, as S3 does it: every file twice, some three times, out of order.
  notifier: { deliveries: 2, duplicateProbability: 0.2, shuffle: true, seed: 7 },
  // BigQuery's delay before the Storage Write API takes a new column (ADR 0044).
  schemaPropagationSeconds: localSchemaPropagationSeconds(),
});
const progress = new ProgressDisplay();
pipeline.outcomes.onEvent(progress.record);
progress.start();
let exitCode = 1;
try {
  let truth: GroundTruth | undefined;
  const { summary, viewsApplied } = await pipeline.loadAll(async () => {
    const simulation = await simulate({
      mappings,
      sink: s3Sink(pipeline.aws.s3, pipeline.aws.bucket),
      minutes: MINUTES,
      changesPerMinute: 3_000,
      initialRowsPerTable: 5_000,
      fullLoadRowsPerFile: 2_000,
      addColumnMidStream: true,
      gzip: true,
      seed: 42,
      // Recent changes, so the freshness the loader measures looks like a live system's.
      start: new Date(Date.now() - (MINUTES + 1) * 60_000),
    });
    truth = simulation.truth;
    return simulation.files.length;
  });
  progress.stop();
  const tables = truth ? await reconcile(pipeline.bigquery, LOCAL_PROJECT_ID, truth) : [];
  // The truth stays beside the warehouse it describes: `reconcile --local` under `local up` reads it.
  if (truth) {
    await mkdir(dirname(DEFAULT_TRUTH), { recursive: true });
    await writeGroundTruth(DEFAULT_TRUTH, truth);
  }
  process.stdout.write(renderSummary(summary, tables, viewsApplied));
  exitCode = summary.failed.length === 0 && tables.every((table) => table.matches) ? 0 : 1;
  // One query per kind of _current, named from what reconcile found in the warehouse.
  const example = (kind: CurrentKind) => {
    const found = tables.find((table) => table.kind === kind);
    const route = Object.values(pipeline.routing).find(
      (candidate) => `${candidate.dataset}.${candidate.targetTable}` === found?.table,
    );
    const label = kind === 'table' ? 'a CDC table' : 'a view';
    return route
      ? `  npx dms2bq local query "SELECT * FROM ${route.dataset}.${route.targetTable}_current ORDER BY ${route.primaryKey.join(', ')} LIMIT 5"   (${label})\n`
      : '';
  };
  // Every version of the keys that changed most, from the history view beside the first table's _current.
  const historyExample = (() => {
    const found = tables.find((table) => table.history !== undefined);
    const route = Object.values(pipeline.routing).find(
      (candidate) => `${candidate.dataset}.${candidate.targetTable}` === found?.table,
    );
    if (!route) return '';
    const key = route.primaryKey.join(', ');
    return `  npx dms2bq local query "SELECT ${key}, _valid_from, _valid_to, _is_deleted FROM ${route.dataset}.${route.targetTable}_history WHERE _valid_to IS NOT NULL ORDER BY ${key}, _valid_from LIMIT 10"   (every version)\n`;
  })();
  process.stdout.write(
    exitCode === 0
      ? `\nEverything matches. The warehouse is in ${warehousePath}; query it in BigQuery SQL:\n${example('table')}${example('view')}${historyExample}To keep a local pipeline running for other commands: npx dms2bq local up\n`
      : '\nThe warehouse does not match the ground truth: see the differences above.\n',
  );
} finally {
  progress.stop();
  await pipeline.stop();
}
process.exitCode = exitCode;
