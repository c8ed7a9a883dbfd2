import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMappingDir } from '../lambdas/shared/mappings/load.js';
import type { MappingFile } from '../lambdas/shared/mappings/model.js';
import { currentViewQuery } from '../lambdas/shared/warehouse/views.js';
import { LOCAL_PROJECT_ID, startLocalPipeline } from '../local/pipeline/local-pipeline.js';
import { reconcile } from '../local/pipeline/reconcile.js';
import { uploadTree } from '../local/pipeline/upload.js';
import { DEFAULT_START, directorySink, simulate } from '../local/simulator/index.js';
import {
  type LiveBytes,
  landOneByOne,
  liveRowBytes,
  referenceSizeFiles,
  type TableSize,
  tableSize,
} from './current-state-measure.js';
import type { BenchResult } from './run.js';

/**
 * What `SELECT *` of the current state costs as history grows, `_current` view against CDC table.
 * Reference hot table: 10 M changes a day over 1 M keys (the low end of "tens of millions"; the
 * reference load is 40 M changed rows a day over ~70 tables), i.e. 10 changes per key per day. Keys
 * and rate are scaled down together (DMS_BENCH_HOT_KEYS, default 500 = 1/2,000) so changes per key
 * per day, and with them every size ratio, match the reference.
 */
const REFERENCE_KEYS = 1_000_000;
const REFERENCE_CHANGES_PER_DAY = 10_000_000;
const HISTORY_DAYS = [1, 7, 30];
/** DMS cuts a file every hour instead of every 90 s: far fewer files, the same rows and bytes. */
const FILE_INTERVAL_SECONDS = 3_600;
/** The last files of each history are landed one at a time and timed until visible. */
const PROBE_FILES = 12;
const KEY = 'id';
/** Files at the reference hot table's full rate (90 s windows), landed onto the longest history. */
const REFERENCE_FILES = 6;

interface HistoryRun {
  days: number;
  changes: number;
  liveRows: number;
  view: TableSize;
  table: TableSize;
  live: LiveBytes;
  visibleMs: number[];
  probeRows: number;
  /** Landing → visible of files as large as the reference hot table's, onto this history. */
  reference?: { visibleMs: number[]; rows: number };
}

async function hotTableMapping(): Promise<MappingFile> {
  const example = await loadMappingDir('mappings');
  const bets = example[0]?.mapping.tables.find((table) => table.table === 'bets');
  if (!bets) throw new Error('mappings/casino_a.json: game.bets not found');
  const { current: _, ...table } = bets;
  return {
    file: 'bench/hot.json',
    mapping: {
      source: 'hot',
      engine: 'aurora-mysql',
      bigquery: { dataset: 'hot_cdc', current: 'table' },
      dms: { cdcMaxBatchIntervalSeconds: FILE_INTERVAL_SECONDS },
      tables: [table],
    },
  };
}

async function runHistory(
  days: number,
  keys: number,
  mapping: MappingFile,
  withReferenceFiles: boolean,
): Promise<HistoryRun> {
  const dir = await mkdtemp(join(tmpdir(), 'dms2bq-current-bench-'));
  const pipeline = await startLocalPipeline({ mappings: [mapping], concurrency: 4 });
  try {
    const changesPerDay = (keys * REFERENCE_CHANGES_PER_DAY) / REFERENCE_KEYS;
    const { files, truth } = await simulate({
      mappings: [mapping],
      sink: directorySink(dir),
      minutes: days * 1_440,
      changesPerMinute: changesPerDay / 1_440,
      initialRowsPerTable: keys,
      fullLoadRowsPerFile: keys,
      changeMix: 'hot',
      gzip: true,
      seed: days,
    });
    const keysInOrder = files.map((file) => file.key);
    const probes = keysInOrder.slice(-PROBE_FILES);
    await pipeline.applyWarehouse();
    await uploadTree(pipeline.aws.s3, pipeline.aws.bucket, dir, keysInOrder.slice(0, -PROBE_FILES));
    await pipeline.drain(3_600_000);
    const visibleMs = await landOneByOne(pipeline, dir, probes, 'hot_cdc.bets_current', KEY);
    await pipeline.drain();
    const dead = await pipeline.deadLetteredKeys();
    if (dead.length > 0) throw new Error(`${dead.length} file(s) in the DLQ, first ${dead[0]}`);

    // The `_current` view of view mode, over the same changelog, beside the CDC table.
    const route = Object.values(pipeline.routing)[0];
    if (!route) throw new Error('no route');
    await pipeline.bigquery.dataset('hot_cdc').createTable('bets_current_view', {
      view: { query: currentViewQuery(LOCAL_PROJECT_ID, route), useLegacySql: false },
    });
    const [tableCheck] = await reconcile(pipeline.bigquery, LOCAL_PROJECT_ID, truth);
    const [[viewCount]] = await pipeline.bigquery.query(
      'SELECT COUNT(*) AS n FROM hot_cdc.bets_current_view',
    );
    const liveRows = truth.tables['hot/game/bets']?.rowCount ?? 0;
    if (!tableCheck?.matches || Number(viewCount.n) !== liveRows) {
      throw new Error(
        `the current state is wrong: table ${JSON.stringify(tableCheck)}, view ${viewCount.n} rows of ${liveRows}`,
      );
    }
    const table = await tableSize(pipeline.bigquery, 'hot_cdc', 'bets_current');
    const view = await tableSize(pipeline.bigquery, 'hot_cdc', 'bets');
    const live = await liveRowBytes(pipeline.bigquery, 'hot_cdc', 'bets_current', table.fields);
    // Measured last: these files change the table after its sizes were taken.
    const reference = withReferenceFiles
      ? await referenceSizeFiles(
          pipeline,
          mapping,
          keys,
          REFERENCE_CHANGES_PER_DAY / 1_440,
          new Date(DEFAULT_START.getTime() + (days + 1) * 86_400_000),
          REFERENCE_FILES,
        )
      : undefined;
    return {
      days,
      changes: files.filter((file) => file.kind === 'cdc').reduce((sum, file) => sum + file.rows, 0),
      liveRows,
      view,
      table,
      live,
      visibleMs,
      ...(reference ? { reference } : {}),
      probeRows: files.slice(-PROBE_FILES).reduce((sum, file) => sum + file.rows, 0) / PROBE_FILES,
    };
  } finally {
    await pipeline.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const percentile = (values: number[], p: number): number =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? 0;
const n = (value: number): string => Math.round(value).toLocaleString('en-US');
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const ratio = (value: number): string => `${value.toFixed(2)}×`;
const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const history = (days: number): string => (days === 1 ? '1 day' : `${days} days`);

export default async function currentStateBench(): Promise<BenchResult> {
  const keys = Number(process.env.DMS_BENCH_HOT_KEYS ?? 500);
  const mapping = await hotTableMapping();
  const load = loadavg()[0]?.toFixed(1);
  const runs: HistoryRun[] = [];
  for (const days of HISTORY_DAYS) {
    process.stdout.write(`  ${history(days)} of history…\n`);
    runs.push(await runHistory(days, keys, mapping, days === HISTORY_DAYS[HISTORY_DAYS.length - 1]));
  }
  const allVisible = runs.flatMap((run) => run.visibleMs);
  const worstTableRatio = Math.max(...runs.map((run) => run.table.numBytes / run.live.viewColumns));
  const median = percentile(allVisible, 0.5);
  const referenceRun = runs.find((run) => run.reference !== undefined);
  const referenceMedian = referenceRun?.reference
    ? percentile(referenceRun.reference.visibleMs, 0.5)
    : undefined;
  const last = runs[runs.length - 1];
  const liveBytesPerRow = last ? last.live.viewColumns / last.liveRows : 0;
  const extraBytesPerRow = last ? (last.table.numBytes - last.live.viewColumns) / last.liveRows : 0;
  const scale = REFERENCE_KEYS / keys;
  return {
    title: 'Current state: `_current` view vs CDC table as history grows (issue 14)',
    markdown: [
      `One hot table (the columns of casino_a's \`game.bets\`) at the reference rate, scaled down: the reference hot table takes ${n(REFERENCE_CHANGES_PER_DAY)} changes a day over ${n(REFERENCE_KEYS)} keys (the reference load is 40 M changed rows a day over ~70 tables); here ${n(keys)} keys and ${n((keys * REFERENCE_CHANGES_PER_DAY) / REFERENCE_KEYS)} changes a day, both 1/${n(scale)}, so each key changes ${REFERENCE_CHANGES_PER_DAY / REFERENCE_KEYS} times a day as at the reference and every size ratio below is the reference's. Simulator change mix \`hot\` (~90 % updates, inserts balancing deletes: the key count holds steady). DMS files cut hourly instead of every 90 s (fewer files, the same rows). Each history runs in a fresh local pipeline (S3 → notifier → SQS → real loader → emulator: changelog load, then the rows streamed into the CDC table); the table must equal the simulator's ground truth and the view its row count before anything is measured. Load average at start ${load}.`,
      '',
      '| history | changes | live rows | `SELECT *` of the view scans | of the CDC table | view ÷ table | table ÷ live rows | landing → visible, median (p90) |',
      '|---|---|---|---|---|---|---|---|',
      ...runs.map(
        (run) =>
          `| ${history(run.days)} | ${n(run.changes)} | ${n(run.liveRows)} | ${mib(run.view.numBytes)} (${n(run.view.rows)} changelog rows) | ${mib(run.table.numBytes)} | ${ratio(run.view.numBytes / run.table.numBytes)} | ${ratio(run.table.numBytes / run.live.viewColumns)} | ${seconds(percentile(run.visibleMs, 0.5))} (${seconds(percentile(run.visibleMs, 0.9))}) |`,
      ),
      '',
      ...(referenceRun?.reference
        ? [
            `Files as large as the reference hot table's (its full ${n(REFERENCE_CHANGES_PER_DAY / 1_440)} changes a minute cut every 90 s, DMS's default: ${n(referenceRun.reference.rows)} rows each), landed one at a time onto the ${referenceRun.days}-day table: landing → visible median ${seconds(percentile(referenceRun.reference.visibleMs, 0.5))} (p90 ${seconds(percentile(referenceRun.reference.visibleMs, 0.9))}) over ${referenceRun.reference.visibleMs.length} files.`,
            '',
          ]
        : []),
      `Against the source's columns alone (without \`_source_changed_at\`, which the view shows too): table ÷ source columns ${runs.map((run) => `${ratio(run.table.numBytes / run.live.sourceColumns)} (${run.days} d)`).join(', ')}.`,
      '',
      `Targets: table ÷ live rows ≤ 1.2× at every history length, worst ${ratio(worstTableRatio)} — ${worstTableRatio <= 1.2 ? 'met' : 'NOT met'} (\`_dms_change_seq\`, 35 digits kept as a STRING, adds ${n(extraBytesPerRow)} bytes to each live row of ${n(liveBytesPerRow)}; the ratio does not grow with history). Median landing → visible ≤ 2 s: ${seconds(median)} over the ${allVisible.length} files of the scaled rate — ${median <= 2_000 ? 'met' : 'NOT met'}${referenceMedian === undefined ? '' : `; ${seconds(referenceMedian)} for files of the reference size — ${referenceMedian <= 2_000 ? 'met' : 'NOT met'}`}.`,
      '',
      ...(last
        ? [
            `At the reference scale (× ${n(scale)}) the ${last.days}-day figures become, per \`SELECT *\`: the view ${gib(last.view.numBytes * scale)}, the CDC table ${gib(last.table.numBytes * scale)}.`,
            '',
          ]
        : []),
      '',
      `How it is measured. Bytes: \`tables.get\` \`numBytes\` of the changelog (what the view's query reads: every column of every changelog row, since it ranks them all) and of the CDC table. The emulator computes it as BigQuery's data size calculation, value by value (INT64/FLOAT64/TIMESTAMP 8, NUMERIC 16, BOOL 1, STRING and BYTES 2 + their bytes, NULL 0; local/bigquery-emulator/store/logical-size.ts): the logical bytes BigQuery bills a \`SELECT *\` for (on demand: "the total data processed in the columns you select … calculated based on the types of data in the column", "rounded to the nearest MB, with a minimum 10 MB data processed per table referenced by the query", <https://cloud.google.com/bigquery/pricing>; per-value sizes as in *Google BigQuery Analytics*, Tigani & Naidu, table 7.3). Live rows: the same sum over the CDC table's columns that \`SELECT *\` of the view returns (the source's and \`_source_changed_at\`); the CDC table adds \`_dms_change_seq\`, which is all of its overhead here (the emulator applies each change before acknowledging it, where BigQuery may also read not-yet-merged changes within \`max_staleness\`). Latency: the last ${PROBE_FILES} hourly files of each history (${runs.map((run) => n(run.probeRows)).join(' / ')} rows on average) landed one at a time, from the PutObject until a query through \`@google-cloud/bigquery\` shows the file's newest change in the table (its key at that \`_dms_change_seq\`, or gone for a delete); queries are jobs that spend ≥ 50 ms in PENDING and RUNNING in the emulator, so the figure includes up to one query of polling.`,
    ].join('\n'),
  };
}
