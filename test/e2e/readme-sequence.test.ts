import { type ChildProcess, execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { commandModules } from '../../cli/commands/index.js';
import { emptyEnvironment, spawnDms2bq } from '../support/child-cli.js';
import { runDms2bq } from '../support/cli.js';

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

/** Polls a running process's progress (the loader draining its queue); not a timing assertion. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 150_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The `npx dms2bq local query "…"` lines of the README, as a reader copies them. */
async function readmeQueries(): Promise<string[]> {
  const readme = await readFile('README.md', 'utf8');
  return [...readme.matchAll(/npx dms2bq local query "([^"]+)"/g)].map((match) => match[1] ?? '');
}

/**
 * The README's local commands, run in the order a new user runs them and out of it: `local up` on a
 * warehouse, `npm start` while it runs (refused; the data stays), `simulate` twice, `status`,
 * `reconcile`, `replay --dry-run`, the README's queries. Every answer agrees with the others.
 */
describe('the README, run in any order', () => {
  let work: string;
  let up: ChildProcess;
  let upOutput = '';
  const warehouse = () => join(work, '.local', 'warehouse.duckdb');
  const truth = () => join(work, '.local', 'truth');
  const dms2bq = (...argv: string[]) => runDms2bq(commandModules, argv);
  const simulate = () =>
    dms2bq(
      ...['simulate', '--out', 's3', '--minutes', '1', '--changes-per-minute', '200'],
      ...['--initial-rows', '40', '--truth', truth()],
    );
  const loaded = async () => {
    // Loaded once reconcile finds every change the simulated DMS counted.
    const result = await dms2bq('reconcile', '--local', '--truth', join(truth(), 'ground-truth.json'));
    return result.code === 0 ? result : undefined;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'dms2bq-readme-'));
    await mkdir(join(work, '.local'));
    up = spawnDms2bq(
      ['local', 'up', '--aws-port', '0', '--bigquery-port', '0', '--warehouse', warehouse()],
      emptyEnvironment(work),
    );
    for (const stream of [up.stdout, up.stderr])
      stream?.on('data', (chunk: Buffer) => {
        upOutput += chunk.toString();
      });
    await waitFor('the state file', async () => {
      if (up.exitCode !== null) throw new Error(`local up exited ${up.exitCode}: ${upOutput}`);
      return ((await exists(join(work, 'up.json'))) && upOutput.includes('Ctrl-C stops it.')) || undefined;
    });
    vi.stubEnv('DMS2BQ_LOCAL_STATE', join(work, 'up.json'));
  }, 180_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    if (up.exitCode === null) up.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
  });

  it('local up says the warehouse is empty and offers --fresh when it is not', () => {
    expect(upOutput).toContain('warehouse: empty (simulate --out s3 starts its changes now)');
  });

  it('simulate, status, reconcile, replay and the README queries agree', async () => {
    // Act
    const simulated = await simulate();
    const reconciled = await waitFor('every change loaded', loaded);
    const status = await dms2bq('status', '--local', '--truth', join(truth(), 'ground-truth.json'));
    const replay = await dms2bq('replay', '--local', '--source', 'casino_a', '--dry-run');
    const queries = await readmeQueries();
    const answers = [];
    // One at a time: the in-process CLI has one output.
    for (const sql of queries)
      answers.push(await dms2bq('local', 'query', sql, '--warehouse', warehouse(), '--json'));

    // Assess
    expect(simulated.stdout).toMatch(/\(ending now\)/);
    expect(reconciled.stdout).toMatch(/all 5 table\(s\) reconcile \(local\)\n$/);
    expect(reconciled.stdout).not.toContain('not checked');
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect(status.stdout).toMatch(/all 5 table\(s\) healthy \(local\)\n$/);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('dry run, nothing enqueued');
    expect(replay.stdout).toContain('skipped: LOAD files (the full load): pass --include-full-load');
    expect(queries.length).toBeGreaterThanOrEqual(3);
    for (const [index, answer] of answers.entries()) {
      expect({ sql: queries[index], code: answer.code, stderr: answer.stderr }).toMatchObject({ code: 0 });
      expect(JSON.parse(answer.stdout)).not.toHaveLength(0);
    }
  }, 300_000);

  it('npm start refuses while local up serves its warehouse, and the data stays', async () => {
    // Act
    const started = await new Promise<{ code: number; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [resolve('node_modules/tsx/dist/cli.mjs'), resolve('local/demo/start.ts')],
        { cwd: work, env: emptyEnvironment(work), timeout: 120_000 },
        (error, _stdout, stderr) => done({ code: error ? Number(error.code) : 0, stderr }),
      );
    });
    const after = await dms2bq('reconcile', '--local', '--truth', join(truth(), 'ground-truth.json'));

    // Assess
    expect(started.code).toBe(1);
    expect(started.stderr).toMatch(
      /^npm start: dms2bq local up \(PID \d+\) is serving .*; npm start would replace it/,
    );
    expect(started.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(after.code).toBe(0);
  }, 180_000);

  it('a second simulate continues the timeline: status stays fresh and reconcile matches again', async () => {
    // Act
    const second = await simulate();
    const reconciled = await waitFor('the second run loaded', loaded);
    const status = await dms2bq('status', '--local', '--truth', join(truth(), 'ground-truth.json'));

    // Assess
    expect(second.stdout).toMatch(/after the newest change loaded|\(ending now\)/);
    expect(reconciled.stdout).toMatch(/all 5 table\(s\) reconcile \(local\)\n$/);
    expect(status.code).toBe(0);
  }, 300_000);
});
