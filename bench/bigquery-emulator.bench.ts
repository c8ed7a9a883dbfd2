import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { BigQuery, Job } from '@google-cloud/bigquery';
import { createBigQueryClient } from '../lambdas/shared/bigquery/client.js';
import type { BenchResult } from './run.js';

const ingestRows = 200_000;
const bigFileBytes = 1024 ** 3;
const rssTargetMb = 200;
const repeats = 3;

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const mb = (bytes: number): string => (bytes / 1024 ** 2).toFixed(0);

/** DMS-like columns: key, Op, the string commit timestamp, change sequence, payload. */
const dmsSelect = (rows: number): string => `
  SELECT range::BIGINT AS id, CASE WHEN range % 10 = 0 THEN 'U' ELSE 'I' END AS "Op",
    strftime(TIMESTAMP '2024-05-01' + range * INTERVAL 1 millisecond, '%Y-%m-%d %H:%M:%S.%f') AS _dms_timestamp,
    range::BIGINT AS _dms_change_seq, 'player_' || range AS name, (range / 100)::DECIMAL(12, 2) AS balance,
    TIMESTAMP '2024-01-01' + range * INTERVAL 1 second AS created_at, range % 2 = 0 AS active
  FROM range(${rows})`;

async function duckdb(path: string, sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The emulator alone in a child process (local/bigquery-emulator/serve.ts), so its RSS is its own. */
async function startChild(dbPath: string): Promise<{ child: ChildProcess; url: string }> {
  const serve = fileURLToPath(new URL('../local/bigquery-emulator/serve.ts', import.meta.url));
  const options = { port: 0, dbPath, jobStateDelayMs: 0, memoryLimit: '128MB' };
  const child = spawn(process.execPath, ['--import', 'tsx', serve, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /on (http:\/\/[^\s]+)/.exec(text);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  return { child, url };
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

function upload(bigquery: BigQuery, table: string, path: string, jobId: string): Promise<Job> {
  return new Promise((resolve, reject) => {
    const stream = bigquery
      .dataset('bench')
      .table(table)
      .createWriteStream({ sourceFormat: 'PARQUET', jobId } as never);
    stream.once('job', (job: Job) => {
      job.removeAllListeners('complete');
      resolve(job);
    });
    stream.once('error', reject);
    createReadStream(path).pipe(stream);
  });
}

async function untilDone(job: Job): Promise<void> {
  for (;;) {
    const [metadata] = await job.getMetadata();
    if (metadata.status?.state === 'DONE') {
      if (metadata.status.errorResult) throw new Error(metadata.status.errorResult.message);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A ~1 GB upload into a fresh emulator process, its RSS sampled while receiving and while loading. */
async function bigUpload(dir: string) {
  const big = join(dir, 'big.parquet');
  // Incompressible strings, so the file really is ~1 GB on the wire.
  await duckdb(
    ':memory:',
    `COPY (SELECT range::BIGINT AS id, md5(range::VARCHAR) || md5((range + 1)::VARCHAR) || md5((range + 2)::VARCHAR) || md5((range + 3)::VARCHAR) AS payload FROM range(${Math.ceil(bigFileBytes / 140)})) TO '${big}' (FORMAT PARQUET, COMPRESSION 'uncompressed')`,
  );
  const size = (await stat(big)).size;
  const { child, url } = await startChild(join(dir, 'big.duckdb'));
  try {
    const bigquery = emulatorClient(url);
    await bigquery.createDataset('bench');
    const pid = child.pid ?? 0;
    const idle = await rssOf(pid);
    const peaks = { receiving: idle, loading: idle };
    let phase: keyof typeof peaks = 'receiving';
    const sampler = setInterval(() => {
      void rssOf(pid).then((rss) => {
        peaks[phase] = Math.max(peaks[phase], rss);
      });
    }, 25);
    const ms = await timed(async () => {
      const job = await upload(bigquery, 'big', big, 'big_upload');
      phase = 'loading';
      await untilDone(job);
    });
    clearInterval(sampler);
    return { size, ms, idle, receivingPeak: peaks.receiving, loadingPeak: peaks.loading };
  } finally {
    await stopChild(child);
  }
}

const emulatorClient = (apiEndpoint: string) =>
  createBigQueryClient({
    projectId: 'local-project',
    location: 'US',
    credentials: { kind: 'none' },
    apiEndpoint,
  });

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

export default async function bench(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bq-emulator-bench-'));
  try {
    const file = join(dir, 'rows.parquet');
    await duckdb(':memory:', `COPY (${dmsSelect(ingestRows)}) TO '${file}' (FORMAT PARQUET)`);
    const fileSize = (await stat(file)).size;

    const { child, url } = await startChild(join(dir, 'emulator.duckdb'));
    try {
      const bigquery = emulatorClient(url);
      await bigquery.createDataset('bench');

      // Same run, same file: DuckDB reading it into a table of a file-backed database, vs the
      // emulator receiving it over HTTP and running the load job until jobs.get says DONE.
      const direct: number[] = [];
      const viaHttp: number[] = [];
      for (let i = 0; i < repeats; i += 1) {
        direct.push(
          await timed(() =>
            duckdb(
              join(dir, `direct-${i}.duckdb`),
              `CREATE TABLE t AS SELECT * FROM read_parquet('${file}')`,
            ),
          ),
        );
        viaHttp.push(
          await timed(async () => untilDone(await upload(bigquery, `t${i}`, file, `ingest_${i}`))),
        );
      }
      const ratio = median(direct) / median(viaHttp);

      const big = await bigUpload(dir);
      const markdown = [
        `| Measure | Value |`,
        `| --- | --- |`,
        `| Ingest file | ${ingestRows.toLocaleString('en-US')} rows, ${mb(fileSize)} MB Parquet (DMS-like columns) |`,
        `| DuckDB \`CREATE TABLE … AS SELECT * FROM read_parquet\` (median of ${repeats}) | ${median(direct).toFixed(0)} ms |`,
        `| Emulator: multipart upload + load job to DONE via @google-cloud/bigquery (median of ${repeats}) | ${median(viaHttp).toFixed(0)} ms |`,
        `| Ratio (target ≥ 0.50) | **${ratio.toFixed(2)}** — ${ratio >= 0.5 ? 'met' : 'NOT met'} |`,
        `| Big upload (fresh emulator process) | ${mb(big.size)} MB Parquet, upload + load ${(big.ms / 1000).toFixed(1)} s |`,
        `| Emulator RSS idle | ${mb(big.idle)} MB |`,
        `| Emulator peak RSS while receiving (target < ${rssTargetMb} MB) | **${mb(big.receivingPeak)} MB** — ${big.receivingPeak < rssTargetMb * 1024 ** 2 ? 'met' : 'NOT met'} |`,
        `| Emulator peak RSS while loading into DuckDB (memory_limit 128MB) | ${mb(big.loadingPeak)} MB |`,
        '',
        `The emulator runs alone in a child process (\`local/bigquery-emulator/serve.ts\` under tsx), its RSS sampled from /proc every 25 ms.`,
      ].join('\n');
      return { title: 'BigQuery emulator: ingest speed and upload memory', markdown };
    } finally {
      await stopChild(child);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
