import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerReconcileCommand } from '../../cli/commands/operate/reconcile.js';
import { registerStatusCommand } from '../../cli/commands/operate/status.js';
import { runDms2bq } from '../support/cli.js';

const commands = [registerReconcileCommand, registerStatusCommand];

// No `dms2bq local up` to fall back on, whatever runs on this machine.
beforeAll(() => {
  vi.stubEnv('DMS2BQ_LOCAL_STATE', '/nonexistent/dms2bq-up.json');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

describe.each(['status', 'reconcile'])('%s without what it needs', (command) => {
  it.each([
    { args: [], code: 2, message: 'pass --stage <name> or --local' },
    {
      args: ['--stage', 'dev', '--local'],
      code: 2,
      message: 'pass either --stage <name> or --local, not both',
    },
    {
      args: ['--local'],
      code: 2,
      message: '--local needs the BigQuery emulator of a running local environment',
    },
    { args: ['--stage', 'nosuchstage'], code: 1, message: 'config/nosuchstage.json' },
    { args: ['--stage', 'dev', '--source', 'nosuch'], code: 2, message: '--source nosuch: no mapping file' },
    {
      args: ['--local', '--bigquery-endpoint', 'http://127.0.0.1:9', '--truth', '/nonexistent/truth.json'],
      code: 1,
      message: 'cannot read the ground truth /nonexistent/truth.json',
    },
  ])('$args → exit $code, one line', async ({ args, code, message }) => {
    // Act
    const run = await runDms2bq(commands, [command, ...args]);

    // Assess
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
  });
});
