import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBigQueryClient } from '../lambdas/shared/bigquery/client.js';
import { DEFAULT_RETRY_POLICY, Deadline } from '../lambdas/shared/bigquery/deadline.js';
import { insertLoadJob, waitForJob } from '../lambdas/shared/bigquery/jobs.js';
import { loadConfiguration } from '../lambdas/shared/bigquery/load-config.js';
import { parseDmsKey, routeKey } from '../lambdas/shared/dms/keys.js';
import type { MappingFile, SourceMapping } from '../lambdas/shared/mappings/model.js';
import { buildRoutingTable } from '../lambdas/shared/routing.js';
import { applyWarehouse } from '../lambdas/shared/warehouse/apply.js';
import { startBigQueryEmulator } from '../local/bigquery-emulator/index.js';
import { LOCAL_LOCATION, startLocalPipeline } from '../local/pipeline/local-pipeline.js';
import { uploadTree } from '../local/pipeline/upload.js';
import { directorySink, type SimulatedFile, simulate } from '../local/simulator/index.js';
import type { BenchResult } from './run.js';

/**
 * Local pipeline throughput against the emulator's direct ingestion of the same files, in one run.
 * Reference scale: 6 sources, 70 tables, 40 M changed rows a day ≈ 1.7 M rows an hour. One simulated
 * hour (DMS_BENCH_MINUTES to shorten it) is written once, then loaded twice into fresh warehouses:
 *   direct:   each file straight into a load job with the loader's configuration, 4 at a time;
 *   pipeline: local S3 → notifier → SQS → event source (4 pollers) → real loader handler → emulator.
 */
const SOURCES = 6;
const TABLES = 70;
const ROWS_PER_HOUR = 1_700_000;
const CONCURRENCY = 4;

function referenceMappings(): MappingFile[] {
  return Array.from({ length: SOURCES }, (_, s) => {
    const source = `cluster_${s + 1}`;
    const tables = Array.from({ length: Math.ceil(TABLES / SOURCES) }, (_, t) => s * 12 + t)
      .filter((n) => n < TABLES)
      .map((n) => ({ schema: 'app', table: `table_${String(n).padStart(2, '0')}`, primaryKey: ['id'] }));
    const mapping: SourceMapping = {
      source,
      engine: 'aurora-mysql',
      bigquery: { dataset: `${source}_cdc` },
      tables,
    };
    return { file: `${source}.json`, mapping };
  });
}

async function direct(
  files: readonly SimulatedFile[],
  dir: string,
  mappings: MappingFile[],
): Promise<number> {
  const emulator = await startBigQueryEmulator({ port: 0 });
  const bigquery = createBigQueryClient({
    projectId: emulator.projectId,
    location: LOCAL_LOCATION,
    credentials: { kind: 'none' },
    apiEndpoint: emulator.url,
  });
  const routing = buildRoutingTable(mappings.map((f) => f.mapping));
  await applyWarehouse(
    bigquery,
    mappings.map((f) => f.mapping),
    LOCAL_LOCATION,
  );
  const queue = [...files];
  const started = performance.now();
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const key = parseDmsKey(file.key);
      const route = routing[routeKey(key.source, key.schema, key.table)];
      if (!route) throw new Error(`${file.key}: not routed`);
      const table = bigquery.dataset(route.dataset).table(route.targetTable);
      const id = `direct_${file.key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
      const deadline = Deadline.fromRemaining(600_000, 0);
      const job = await insertLoadJob(
        table,
        id,
        loadConfiguration(route),
        createReadStream(join(dir, file.key)),
      );
      const done = await waitForJob(bigquery, LOCAL_LOCATION, job.id, deadline, DEFAULT_RETRY_POLICY);
      if (done.errorResult) throw new Error(`${file.key}: ${done.errorResult.message}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  await emulator.stop();
  return seconds;
}

async function pipelined(
  files: readonly SimulatedFile[],
  dir: string,
  mappings: MappingFile[],
): Promise<number> {
  const pipeline = await startLocalPipeline({ mappings, concurrency: CONCURRENCY });
  try {
    let started = 0;
    const { summary } = await pipeline.loadAll(async () => {
      started = performance.now();
      await uploadTree(
        pipeline.aws.s3,
        pipeline.aws.bucket,
        dir,
        files.map((f) => f.key),
      );
      return files.length;
    }, 3_600_000);
    const seconds = (performance.now() - started) / 1000;
    if (summary.loaded !== files.length || summary.failed.length > 0) {
      throw new Error(
        `pipeline loaded ${summary.loaded} of ${files.length} files, ${summary.failed.length} failed`,
      );
    }
    return seconds;
  } finally {
    await pipeline.stop();
  }
}

export default async function pipelineBench(): Promise<BenchResult> {
  const minutes = Number(process.env.DMS_BENCH_MINUTES ?? 60);
  const dir = await mkdtemp(join(tmpdir(), 'dms2bq-pipeline-bench-'));
  try {
    const mappings = referenceMappings();
    const { files } = await simulate({
      mappings,
      sink: directorySink(dir),
      minutes,
      changesPerMinute: Math.round(ROWS_PER_HOUR / 60 / SOURCES),
      initialRowsPerTable: 200,
      includeTruthRows: false,
      gzip: true,
    });
    const rows = files.reduce((sum, f) => sum + f.rows, 0);
    const directSeconds = await direct(files, dir, mappings);
    const pipelineSeconds = await pipelined(files, dir, mappings);
    const ratio = directSeconds / pipelineSeconds;
    const rate = (seconds: number) =>
      `${(files.length / seconds).toFixed(1)} files/s, ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s`;
    return {
      title: 'Local pipeline throughput (issue 5)',
      markdown: [
        `${minutes} simulated minute(s) at the reference scale: ${SOURCES} sources, ${TABLES} tables, ${files.length.toLocaleString('en-US')} files, ${rows.toLocaleString('en-US')} rows (CDC interval 90 s; load average at start ${loadavg()[0]?.toFixed(1)}).`,
        '',
        '| path | time | throughput |',
        '|---|---|---|',
        `| emulator direct ingestion (${CONCURRENCY} loads at a time) | ${directSeconds.toFixed(1)} s | ${rate(directSeconds)} |`,
        `| local pipeline (S3 → notifier → SQS → ${CONCURRENCY} pollers → loader) | ${pipelineSeconds.toFixed(1)} s | ${rate(pipelineSeconds)} |`,
        '',
        `Pipeline / direct throughput: **${(ratio * 100).toFixed(0)} %** (target ≥ 50 %): ${ratio >= 0.5 ? 'met' : 'NOT met'}.`,
      ].join('\n'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
