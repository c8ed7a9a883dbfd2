import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * `dms2bq local up` in its own process, used from "another terminal" (this test process) as a
 * person would: simulate into it, query it while it holds the warehouse, replay, then Ctrl-C.
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
    const env = emptyEnvironment(work);
    up = spawnDms2bq(
      ['local', 'up', '--aws-port', '0', '--bigquery-port', '0', '--warehouse', join(work, 'w.duckdb')],
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
    expect(environment).toMatchObject({
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

  it('runs replay --local against it without --endpoint', async () => {
    // Act
    const result = await dms2bq('replay', '--local', '--source', 'casino_a', '--dry-run', '--json');

    // Assess
    expect(result.code).toBe(0);
    const cdcFiles = 4;
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
