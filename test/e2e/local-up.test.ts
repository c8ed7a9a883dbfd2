import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { commandModules } from '../../cli/commands/index.js';
import type { LocalEnvironment } from '../../cli/local-environment.js';
import type { GroundTruth } from '../../local/simulator/index.js';
import { emptyEnvironment, spawnDms2bq } from '../support/child-cli.js';
import { runDms2bq } from '../support/cli.js';

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 150_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Every file under `dir`, as keys relative to it. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(join(dir, prefix), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory()
        ? listFiles(dir, join(prefix, entry.name))
        : Promise.resolve([join(prefix, entry.name)]),
    ),
  );
  return nested.flat();
}

interface ReconcileJson {
  drifting: number;
  tables: { source: string; table: string; verdict: string; missingRows: number; drifting: boolean }[];
}

/**
 * `dms2bq local up` in its own process, used from "another terminal" (this test process) as a
 * person would: simulate into it, query it while it holds the warehouse, see `status --local` and
 * `reconcile --local` report it, lose a file of a second source and see the drift, replay, then Ctrl-C.
 */
describe('dms2bq local up', () => {
  let work: string;
  let up: ChildProcess;
  let upOutput = '';
  let environment: LocalEnvironment;
  let truth: GroundTruth;
  const stateFile = () => join(work, 'up.json');
  const dms2bq = (...argv: string[]) => runDms2bq(commandModules, argv);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'dms2bq-up-'));
    // The environment routes two sources: casino_a, simulated through S3 below, and casino_b, whose
    // files the drift test lands itself (all but one).
    const example = JSON.parse(await readFile('mappings/casino_a.json', 'utf8')) as {
      source: string;
      bigquery: { dataset: string };
    };
    await mkdir(join(work, 'mappings-b'));
    await copyFile('mappings/schema.json', join(work, 'mappings-b', 'schema.json'));
    await writeFile(
      join(work, 'mappings-b', 'casino_b.json'),
      JSON.stringify({
        ...example,
        source: 'casino_b',
        bigquery: { ...example.bigquery, dataset: 'casino_b_cdc' },
      }),
    );
    await mkdir(join(work, 'mappings'));
    for (const file of ['schema.json', 'casino_b.json'])
      await copyFile(join(work, 'mappings-b', file), join(work, 'mappings', file));
    await copyFile('mappings/casino_a.json', join(work, 'mappings', 'casino_a.json'));
    const env = emptyEnvironment(work);
    up = spawnDms2bq(
      [
        ...['local', 'up', '--aws-port', '0', '--bigquery-port', '0', '--warehouse', join(work, 'w.duckdb')],
        ...['--mappings', join(work, 'mappings')],
      ],
      env,
    );
    up.stdout?.on('data', (chunk: Buffer) => {
      upOutput += chunk.toString();
    });
    up.stderr?.on('data', (chunk: Buffer) => {
      upOutput += chunk.toString();
    });
    environment = await waitFor('the state file', async () => {
      if (up.exitCode !== null) throw new Error(`local up exited ${up.exitCode}: ${upOutput}`);
      return (await exists(stateFile()))
        ? (JSON.parse(await readFile(stateFile(), 'utf8')) as LocalEnvironment)
        : undefined;
    });
    vi.stubEnv('DMS2BQ_LOCAL_STATE', stateFile());
    const simulated = await dms2bq(
      ...['simulate', '--out', 's3', '--minutes', '1', '--changes-per-minute', '120'],
      ...['--initial-rows', '25', '--truth', join(work, 'truth')],
      // Recent, so every table is within the freshness SLO when status looks.
      ...['--start', new Date(Date.now() - 5 * 60_000).toISOString()],
    );
    if (simulated.code !== 0) throw new Error(`simulate failed: ${simulated.stderr}`);
    truth = JSON.parse(await readFile(join(work, 'truth', 'ground-truth.json'), 'utf8')) as GroundTruth;
  }, 180_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    if (up.exitCode === null) up.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
  });

  it('prints its endpoints and writes them to the state file', () => {
    // Assess
    expect(upOutput).toContain(`S3 + SQS (fauxqs)   ${environment.awsEndpoint}`);
    expect(upOutput).toContain(`BigQuery emulator   ${environment.bigqueryEndpoint}`);
    expect(upOutput).toContain(`Storage Write API   ${environment.storageWriteEndpoint}`);
    expect(environment).toMatchObject({
      storageWriteEndpoint: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      pid: up.pid,
      bucket: 'dms-landing',
      projectId: 'local-project',
      warehousePath: join(work, 'w.duckdb'),
      queueUrl: expect.stringContaining('dms2bq-loader'),
    });
  });

  it('loads what simulate --out s3 lands, and local query reads it through the running emulator', async () => {
    // Prepare
    const tables = Object.values(truth.tables);
    const count = async (dataset: string, table: string) => {
      const result = await dms2bq(
        ...['local', 'query', `SELECT COUNT(*) AS n FROM ${dataset}.${table}_current`],
        ...['--warehouse', join(work, 'w.duckdb'), '--json'],
      );
      return result.code === 0 ? Number((JSON.parse(result.stdout) as { n: number }[])[0]?.n) : undefined;
    };

    // Act
    const counts = await waitFor('every table loaded', async () => {
      // One at a time: the in-process CLI has one output.
      const found: (number | undefined)[] = [];
      for (const table of tables) found.push(await count(table.dataset, table.targetTable));
      return found.every((n, i) => n === tables[i]?.rowCount) ? found : undefined;
    });

    // Assess
    expect(counts).toEqual(tables.map((table) => table.rowCount));
  }, 180_000);

  it('status --local reads the running environment: every table fresh, landed and loaded, no DLQ', async () => {
    // Act
    const result = await dms2bq(
      'status',
      '--local',
      '--json',
      '--truth',
      join(work, 'truth', 'ground-truth.json'),
    );

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      target: string;
      deadLetterDepth: number;
      tables: { problems: string[]; freshnessSeconds: number | null }[];
    };
    expect(report).toMatchObject({ target: 'local', deadLetterDepth: 0 });
    expect(report.tables).toHaveLength(Object.keys(truth.tables).length);
    for (const table of report.tables) {
      expect(table.problems).toEqual([]);
      expect(table.freshnessSeconds).not.toBeNull();
    }
  });

  it('reconcile --local finds every table matching the ground truth', async () => {
    // Act
    const result = await dms2bq(
      ...['reconcile', '--local', '--json', '--settle-minutes', '0'],
      ...['--truth', join(work, 'truth', 'ground-truth.json')],
    );

    // Assess
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as ReconcileJson;
    expect(report.drifting).toBe(0);
    expect(report.tables.map((table) => table.verdict)).toEqual(report.tables.map(() => 'match'));
  });

  it('reconcile --local names the table of a file that never landed, and matches once it lands', async () => {
    // Prepare: casino_b's files, every one but the first CDC file of game.users put into the bucket.
    const out = join(work, 'b');
    const simulated = await dms2bq(
      ...['simulate', '--mappings', join(work, 'mappings-b'), '--out', out, '--minutes', '1'],
      ...['--changes-per-minute', '120', '--initial-rows', '25', '--seed', '3'],
    );
    expect(simulated.code).toBe(0);
    const keys = (await listFiles(out)).filter((key) => key.endsWith('.parquet')).sort();
    const lost = keys.find((key) => key.startsWith('casino_b/game/users/') && !key.includes('LOAD'));
    expect(lost).toBeDefined();
    const s3 = new S3Client({
      endpoint: environment.awsEndpoint,
      region: environment.region,
      credentials: environment.credentials,
      forcePathStyle: true,
    });
    const land = (key: string) =>
      readFile(join(out, key)).then((body) =>
        s3.send(new PutObjectCommand({ Bucket: environment.bucket, Key: key, Body: body })),
      );
    for (const key of keys.filter((candidate) => candidate !== lost)) await land(key);
    const reconcile = async () => {
      const result = await dms2bq(
        ...[
          'reconcile',
          '--local',
          '--json',
          '--settle-minutes',
          '0',
          '--mappings',
          join(work, 'mappings-b'),
        ],
        ...['--truth', join(out, '_truth', 'ground-truth.json')],
      );
      return { code: result.code, report: JSON.parse(result.stdout) as ReconcileJson };
    };

    // Act: wait until every other file is loaded, so the only shortfall left is the lost file's.
    const drift = await waitFor('the drift of the lost file alone', async () => {
      const run = await reconcile();
      const others = run.report.tables.filter((table) => table.table !== 'users');
      return others.every((table) => table.verdict === 'match') && run.report.drifting === 1
        ? run
        : undefined;
    });
    await land(lost as string);
    const healed = await waitFor('every table matching', async () => {
      const run = await reconcile();
      return run.report.drifting === 0 ? run : undefined;
    });
    s3.destroy();

    // Assess
    expect(drift.code).toBe(1);
    expect(drift.report.tables.find((table) => table.drifting)).toMatchObject({
      source: 'casino_b',
      table: 'users',
      verdict: 'missing',
      missingRows: expect.any(Number),
    });
    expect(healed.code).toBe(0);
  }, 180_000);

  it('runs replay --local against it without --endpoint', async () => {
    // Act
    const result = await dms2bq('replay', '--local', '--source', 'casino_a', '--dry-run', '--json');

    // Assess
    expect(result.code).toBe(0);
    // One minute of CDC: one file per table.
    const cdcFiles = Object.keys(truth.tables).length;
    expect(JSON.parse(result.stdout)).toMatchObject({ matched: cdcFiles, enqueued: 0 });
  });

  it('stops on SIGINT, exits 0 and removes its state file', async () => {
    // Act
    const exited = new Promise<number | null>((resolve) => up.once('exit', (code) => resolve(code)));
    up.kill('SIGINT');
    const code = await exited;

    // Assess
    expect(code).toBe(0);
    expect(await exists(stateFile())).toBe(false);
    expect(upOutput).toContain('stopping…');
  }, 30_000);
});
