import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startBigQueryEmulator } from '../../../local/bigquery-emulator/index.js';

/**
 * `npm run check:bq`: the Google Cloud SDK's `bq` CLI — a client no one here wrote — against a fresh
 * emulator: mk, ls, load (Parquet written by DuckDB), query (plain, dry run with its bytes, into a
 * destination table, over an ingestion-time partitioned table), show -j with bytes processed and
 * billed, head. Each command's output,
 * with times and durations masked, must equal expected.txt; a mismatch prints a diff and exits 1.
 * Needs `bq` and `gcloud` on PATH; not part of `npm test`.
 */
const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const projectId = 'smoke-project';
const update = process.argv.includes('--update');

async function sdkRoot(): Promise<string> {
  const { stdout } = await run('gcloud', ['info', '--format=value(installation.sdk_root)']);
  return stdout.trim();
}

/** Dates, times and durations differ on every run; bq prints them in a few fixed shapes. */
const mask = (text: string, dir: string): string =>
  text
    .replaceAll(dir, '<tmp>')
    .replace(/\d{2} [A-Z][a-z]{2} \d{2}:\d{2}:\d{2}/g, '<time>')
    .replace(/\b\d:\d{2}:\d{2}\.\d{6}\b/g, '<duration>')
    .replace(/[ \t]+$/gm, '');

const dir = await mkdtemp(join(tmpdir(), 'check-bq-'));
const emulator = await startBigQueryEmulator({ projectId, port: 0, jobStateDelayMs: 10 });
let failed = false;
try {
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, 'dummy-token');
  const env = { ...process.env, CLOUDSDK_CONFIG: join(dir, 'gcloud'), CLOUDSDK_CORE_DISABLE_PROMPTS: '1' };
  await run('gcloud', ['config', 'set', 'auth/access_token_file', tokenFile], { env });
  const discovery = join(await sdkRoot(), 'platform/bq/discovery_next/bigquery.json');
  const bq = async (...args: string[]): Promise<string> => {
    const common = ['--api', emulator.url, '--discovery_file', discovery, '--project_id', projectId];
    const { stdout } = await run('bq', [...common, ...args], { env });
    return mask(`$ bq ${args.join(' ')}\n${stdout}`, dir);
  };
  const parquet = join(dir, 'events.parquet');
  await emulator.query(`COPY (SELECT * FROM (VALUES
      (1::BIGINT, 'open', TIMESTAMPTZ '2024-05-01 10:00:00.123456+00', DATE '2024-05-01', 12.50::DECIMAL(10,2)),
      (2::BIGINT, 'close', TIMESTAMPTZ '2024-05-02 11:30:00+00', DATE '2024-05-02', NULL)
    ) AS t(id, kind, happened_at, day, amount)) TO '${parquet}' (FORMAT PARQUET)`);
  const outputs = [
    await bq('mk', '--dataset', `${projectId}:smoke`),
    await bq('ls'),
    await bq('load', '--source_format=PARQUET', '--job_id=smoke_load', 'smoke.events', parquet),
    await bq('ls', 'smoke'),
    await bq('show', 'smoke.events'),
    await bq(
      'query',
      '--use_legacy_sql=false',
      '--job_id=smoke_query',
      'SELECT kind, COUNT(*) AS n, MAX(happened_at) AS latest, SUM(amount) AS total FROM smoke.events GROUP BY kind ORDER BY kind',
    ),
    // The dry run's figure is the data size of the column read: 2 INT64 values, 16 bytes.
    await bq('query', '--use_legacy_sql=false', '--dry_run', 'SELECT id FROM smoke.events'),
    await bq('show', '-j', 'smoke_query'),
    await bq('load', '--source_format=PARQUET', '--time_partitioning_type=DAY', 'smoke.changes', parquet),
    // A filter on the ingestion-time pseudo-column keeps today's partition (16 bytes) or none (0).
    await bq(
      'query',
      '--use_legacy_sql=false',
      '--dry_run',
      "SELECT id FROM smoke.changes WHERE _PARTITIONTIME >= TIMESTAMP '2000-01-01'",
    ),
    await bq(
      'query',
      '--use_legacy_sql=false',
      '--dry_run',
      "SELECT id FROM smoke.changes WHERE _PARTITIONTIME < TIMESTAMP '2000-01-01'",
    ),
    await bq(
      'query',
      '--use_legacy_sql=false',
      '--destination_table=smoke.kinds',
      'SELECT DISTINCT kind FROM smoke.events ORDER BY kind',
    ),
    await bq('show', '-j', 'smoke_load'),
    await bq('head', '-n', '5', 'smoke.events'),
    await bq('head', 'smoke.kinds'),
  ].join('\n');
  const expectedPath = join(here, 'expected.txt');
  if (update) await writeFile(expectedPath, outputs);
  const expected = await readFile(expectedPath, 'utf8').catch(() => '');
  if (outputs !== expected) {
    failed = true;
    const actualPath = join(dir, 'actual.txt');
    await writeFile(actualPath, outputs);
    const diff = await run('diff', ['-u', expectedPath, actualPath]).catch(
      (error: { stdout?: string }) => error,
    );
    process.stderr.write(
      `bq output differs from ${expectedPath}:\n${(diff as { stdout?: string }).stdout ?? ''}`,
    );
  } else {
    process.stdout.write(`bq CLI check passed (${outputs.split('\n$ ').length} commands)\n`);
  }
} catch (error) {
  failed = true;
  const { stderr, message } = error as { stderr?: string; message?: string };
  process.stderr.write(`bq CLI check failed: ${message ?? String(error)}\n${stderr ?? ''}`);
} finally {
  await emulator.stop();
  await rm(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
