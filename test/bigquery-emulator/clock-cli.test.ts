import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_OFFSET_ENV, EmulatorClock } from '../../local/bigquery-emulator/clock.js';
import { startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { emptyEnvironment, runDms2bqProcess } from '../support/child-cli.js';

const TEN_DAYS = 10 * 86_400;

/** `dms2bq local query` starts its own emulator on the file: it reads the clock offset from the environment. */
describe('dms2bq local query with BIGQUERY_EMULATOR_CLOCK_OFFSET', () => {
  let home: string;
  let warehouse: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'dms2bq-clock-'));
    warehouse = join(home, 'warehouse.duckdb');
    const emulator = await startBigQueryEmulator({ dbPath: warehouse, clock: new EmulatorClock() });
    await emulator.stop();
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  it('answers CURRENT_DATE() from the shifted clock', async () => {
    // Act
    const tenDaysAgo = () => new Date(Date.now() - TEN_DAYS * 1000).toISOString().slice(0, 10);
    const before = tenDaysAgo();
    const run = await runDms2bqProcess(
      ['local', 'query', '--json', '--warehouse', warehouse, 'SELECT CURRENT_DATE() AS d'],
      emptyEnvironment(home, { [CLOCK_OFFSET_ENV]: String(-TEN_DAYS) }),
    );

    // Assess
    const [row] = JSON.parse(run.stdout) as { d: string }[];
    // With --json the cost line goes to stderr, so stdout stays JSON.
    expect(run).toMatchObject({ code: 0, stderr: 'Bytes processed: 0 B · billed: 0 B\n' });
    // Either side of a midnight the run may straddle.
    expect([before, tenDaysAgo()]).toContain(row?.d);
  });

  it('refuses an offset that is not a number in one line naming the variable', async () => {
    // Act
    const run = await runDms2bqProcess(
      ['local', 'query', '--warehouse', warehouse, 'SELECT 1 AS x'],
      emptyEnvironment(home, { [CLOCK_OFFSET_ENV]: 'yesterday' }),
    );

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`${CLOCK_OFFSET_ENV}=yesterday is not a number of seconds`);
  });
});
