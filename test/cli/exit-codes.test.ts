import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { commandModules } from '../../cli/commands/index.js';
import { VERSION } from '../../cli/program.js';
import { closedPort, emptyEnvironment, runDms2bqProcess } from '../support/child-cli.js';
import { runDms2bq } from '../support/cli.js';

/**
 * The exit-code policy of every command (docs/operations.md#exit-codes), one row per case: 0 all
 * good; 1 a problem found or an operation failed; 2 usage or environment (no credentials, no region,
 * no local environment, an unknown stage, nothing listening). Run as a new user would on a machine
 * with nothing set up; every failure is one line naming the fix, no stack trace. A new command adds
 * its rows here.
 */
describe('dms2bq exit codes', () => {
  let home: string;
  let closed: string;
  let busy: Server;
  let busyPort: number;
  let lockHolder: DuckDBInstance;
  const lockedWarehouse = () => join(home, 'locked.duckdb');

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'dms2bq-empty-'));
    await mkdir(join(home, 'empty-dir'));
    // A mapping with a trailing comma on line 4: the JSON error names the line and column.
    await mkdir(join(home, 'broken-mappings'));
    await writeFile(
      join(home, 'broken-mappings', 'casino_a.json'),
      '{\n  "source": "casino_a",\n  "engine": "mysql",\n  "tables": [],\n}\n',
    );
    // One folder too deep for local load: a table folder, its files straight under it.
    await mkdir(join(home, 'table-folder', 'casino_a', 'game', 'bets'), { recursive: true });
    await writeFile(join(home, 'table-folder', 'casino_a', 'game', 'bets', 'LOAD00000001.parquet'), 'x');
    closed = `http://127.0.0.1:${await closedPort()}`;
    busy = createServer();
    await new Promise<void>((ready) => busy.listen(0, '127.0.0.1', ready));
    busyPort = (busy.address() as { port: number }).port;
    // DuckDB locks a file per process: this test process holds it, as a running emulator would.
    lockHolder = await DuckDBInstance.create(lockedWarehouse());
  });

  afterAll(async () => {
    lockHolder.closeSync();
    await new Promise<void>((closedServer) => busy.close(() => closedServer()));
    await rm(home, { recursive: true, force: true });
  });

  interface Case {
    command: string;
    argv: () => string[];
    code: 0 | 1 | 2;
    /** The one line on stderr, or for exit 0 what stdout shows. */
    line: RegExp;
    /** Run as its own process: what only a process shows (a file lock, Node's warnings, usage output). */
    child?: true;
  }
  const cases: Case[] = [
    { command: '--version', argv: () => ['--version'], code: 0, line: new RegExp(`^${VERSION}\n$`) },
    {
      command: 'validate the shipped mappings',
      argv: () => ['validate'],
      code: 0,
      line: /valid/,
    },
    {
      command: 'an unknown command',
      argv: () => ['frobnicate'],
      code: 2,
      line: /^error: unknown command 'frobnicate' \(run dms2bq --help for usage\)$/,
    },
    {
      command: 'status --stage of an unknown stage: the stages that exist are listed',
      argv: () => ['status', '--stage', 'staging'],
      code: 2,
      line: /^config\/staging\.json: no such stage config; the stages are dev, prod \(config\/<stage>\.json\), or create config\/staging\.json$/,
    },
    {
      command: 'reconcile --stage with a malformed stage name',
      argv: () => ['reconcile', '--stage', 'Prod'],
      code: 2,
      line: /^stage "Prod": a stage name is lowercase letters, digits and dashes; the stages are dev, prod/,
    },
    {
      command: 'validate a mapping with a JSON syntax error: line, column and the fix',
      argv: () => ['validate', '--mappings', join(home, 'broken-mappings')],
      code: 1,
      line: /casino_a\.json: not valid JSON at line 5, column 1: Expected double-quoted property name; fix the syntax there .*dms2bq validate$/,
    },
    {
      command: 'status without --stage or --local',
      argv: () => ['status'],
      code: 2,
      line: /^pass --stage <name> or --local$/,
    },
    {
      command: 'status --source of no mapping file',
      argv: () => ['status', '--stage', 'dev', '--source', 'nosuch'],
      code: 2,
      line: /^--source nosuch: no mapping file in mappings has that source; known: casino_a$/,
    },
    {
      command: 'reconcile without --stage or --local',
      argv: () => ['reconcile'],
      code: 2,
      line: /^pass --stage <name> or --local$/,
    },
    {
      command: 'reconcile --source of no mapping file',
      argv: () => ['reconcile', '--stage', 'dev', '--source', 'nosuch'],
      code: 2,
      line: /^--source nosuch: no mapping file in mappings has that source; known: casino_a$/,
    },
    {
      command: 'status --stage and --local together',
      argv: () => ['status', '--stage', 'prod', '--local'],
      code: 2,
      line: /^pass either --stage <name> or --local, not both$/,
    },
    {
      command: 'simulate with a bad --minutes',
      argv: () => ['simulate', '--out', join(home, 'sim'), '--minutes', 'x', '--changes-per-minute', '1'],
      code: 2,
      line: /^--minutes must be a positive number, got "x"$/,
    },
    {
      command: 'simulate --out s3 without local up',
      argv: () => ['simulate', '--out', 's3', '--minutes', '1', '--changes-per-minute', '1'],
      code: 2,
      line: /^no local environment is running .*start dms2bq local up/,
    },
    {
      command: 'simulate --out s3 to a closed port',
      argv: () => [
        'simulate',
        '--out',
        's3',
        '--endpoint',
        closed,
        '--minutes',
        '1',
        '--changes-per-minute',
        '1',
      ],
      code: 2,
      line: /^cannot write .*: cannot reach .* \(ECONNREFUSED\): nothing listens there/,
    },
    {
      command: 'validate a missing folder',
      argv: () => ['validate', '--mappings', join(home, 'nowhere')],
      code: 2,
      line: /nowhere/,
    },
    {
      command: 'plan a missing folder',
      argv: () => ['plan', '--mappings', join(home, 'nowhere')],
      code: 2,
      line: /nowhere/,
    },
    {
      command: 'replay --stage without credentials',
      argv: () => ['replay', '--source', 'casino_a', '--stage', 'prod'],
      code: 2,

      line: /^cannot read stack Dms2Bq-prod in .*: no AWS credentials: run aws sso login/,
    },
    {
      command: 'replay --function-name without a region',
      argv: () => ['replay', '--source', 'casino_a', '--function-name', 'f'],
      code: 2,
      line: /^cannot invoke f: no AWS region: .*AWS_REGION/,
    },
    {
      command: 'replay --local without local up',
      argv: () => ['replay', '--source', 'casino_a', '--local'],
      code: 2,
      line: /^no local environment is running .*or pass --endpoint/,
    },
    {
      command: 'replay without --source',
      argv: () => ['replay', '--local'],
      code: 2,
      line: /^error: required option '--source <id>' not specified \(run dms2bq --help for usage\)$/,
    },
    {
      command: 'dms status without a region',
      argv: () => ['dms', 'status', '--source', 'casino_a', '--replication-task-arn', 'arn:aws:dms:x'],
      code: 2,
      line: /^no AWS region: /,
    },
    {
      command: 'dms reload without credentials',
      argv: () => [
        'dms',
        'reload',
        '--source',
        'casino_a',
        '--stage',
        'prod',
        '--region',
        'eu-west-1',
        '--table',
        'game.bets',
      ],
      code: 2,
      line: /no AWS credentials: /,
    },
    {
      command: 'dms resume without credentials',
      argv: () => ['dms', 'resume', '--source', 'casino_a', '--stage', 'prod', '--region', 'eu-west-1'],
      code: 2,
      line: /no AWS credentials: /,
    },
    {
      command: 'bigquery-emulator on a taken port',
      argv: () => ['bigquery-emulator', '--port', String(busyPort), '--db', ':memory:'],
      code: 2,
      line: /is in use; pick another port/,
    },
    {
      command: 'warehouse apply --stage without Google credentials',
      argv: () => ['warehouse', 'apply', '--stage', 'prod'],
      code: 2,
      line: /^no Google credentials: run gcloud auth application-default login/,
    },
    {
      command: 'setup gcp --stage without Google credentials',
      argv: () => ['setup', 'gcp', '--stage', 'prod'],
      code: 2,
      line: /^no Google credentials: run gcloud auth application-default login/,
    },
    {
      command: 'setup gcp to a closed fake control plane',
      argv: () => ['setup', 'gcp', '--stage', 'prod', '--google-endpoint', closed],
      code: 2,
      line: /^reading the project's APIs: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    },
    {
      command: 'setup source without --admin-url',
      argv: () => ['setup', 'source', '--source', 'casino_a', '--password-file', join(home, 'pw.json')],
      code: 2,
      line: /--admin-url/,
      child: true,
    },
    {
      command: 'setup source to a closed MySQL port',
      argv: () => [
        'setup',
        'source',
        '--source',
        'casino_a',
        '--admin-url',
        `mysql://root@127.0.0.1:${new URL(closed).port}`,
        '--password-file',
        join(home, 'pw.json'),
      ],
      code: 2,
      line: /127\.0\.0\.1:\d+.*(ECONNREFUSED|cannot reach|connect)/i,
    },
    {
      command: 'warehouse apply to a closed emulator port',
      argv: () => ['warehouse', 'apply', '--endpoint', closed],
      code: 2,
      line: /^--endpoint http:\/\/127\.0\.0\.1:\d+: cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    },
    {
      command: 'local load of a folder without Parquet',
      argv: () => ['local', 'load', join(home, 'empty-dir'), '--warehouse', join(home, 'w.duckdb')],
      code: 2,
      line: /empty-dir: no \.parquet file in it/,
    },
    {
      command: 'local query while another process holds the warehouse',
      argv: () => ['local', 'query', 'SELECT 1 AS x', '--warehouse', lockedWarehouse()],
      code: 2,
      line: /locked\.duckdb is in use by another process \(PID \d+\); stop that process or use another file/,
      child: true,
    },
    {
      command: 'doctor without AWS or Google credentials',
      argv: () => ['doctor', '--stage', 'prod'],
      code: 1,
      line: /^2 of 3 checks failed; fix them from the top$/,
    },
    {
      command: 'status --stage without credentials',
      argv: () => ['status', '--stage', 'prod'],
      code: 2,
      line: /no AWS credentials: /,
    },
    {
      command: 'status --local without local up',
      argv: () => ['status', '--local'],
      code: 2,
      line: /^--local needs the BigQuery emulator of a running local environment: start dms2bq local up/,
    },
    {
      command: 'reconcile --stage without credentials',
      argv: () => ['reconcile', '--stage', 'prod'],
      code: 2,
      line: /^cannot read DMS task of casino_a in eu-west-1: no AWS credentials: run aws sso login/,
    },
    {
      command: 'reconcile --local without local up',
      argv: () => ['reconcile', '--local'],
      code: 2,
      line: /^--local needs the BigQuery emulator of a running local environment: start dms2bq local up/,
    },
    {
      command: 'dms status --stage takes the region from the stage config',
      argv: () => ['dms', 'status', '--source', 'casino_a', '--stage', 'prod'],
      code: 2,
      line: /^no AWS credentials: /,
    },
    {
      command: 'local load pointed at a table folder',
      argv: () => [
        'local',
        'load',
        join(home, 'table-folder', 'casino_a', 'game', 'bets'),
        '--warehouse',
        join(home, 'w.duckdb'),
      ],
      code: 2,
      line: /bets: this looks like a table folder; point at the source's parent \(.*table-folder\), which holds casino_a\/game\/bets\/$/,
    },
    {
      command: 'local query without a warehouse',
      argv: () => ['local', 'query', 'SELECT 1 AS x', '--warehouse', join(home, 'none.duckdb')],
      code: 2,
      line: /none\.duckdb: no local warehouse yet; run npm start, dms2bq local load or dms2bq local up first$/,
    },
    {
      command: 'reconcile --local to a closed emulator port',
      argv: () => ['reconcile', '--local', '--bigquery-endpoint', closed, '--truth', join(home, 'none.json')],
      code: 2,
      line: /^cannot read the ground truth /,
    },
    {
      command: 'local up on a taken port',
      argv: () => [
        'local',
        'up',
        '--aws-port',
        String(busyPort),
        '--bigquery-port',
        '0',
        '--warehouse',
        join(home, 'up.duckdb'),
      ],
      code: 2,
      line: /^a port is taken .*--aws-port 0/,
    },
  ];

  const expectOneLine = (result: { code: number; stdout: string; stderr: string }, { code, line }: Case) => {
    if (code === 0) {
      expect(result.stdout).toMatch(line);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      return;
    }
    expect(result.stderr.trimEnd()).toMatch(line);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.code).toBe(code);
  };

  describe('in its own process', () => {
    it.concurrent.each(cases.filter((c) => c.child))('$command: one line, exit $code', async (c) => {
      // Act
      const result = await runDms2bqProcess(c.argv(), emptyEnvironment(home));

      // Assess
      expectOneLine(result, c);
    });
  });

  describe('in this process, its environment emptied', () => {
    beforeEach(() => {
      for (const name of Object.keys(process.env)) {
        if (/^(AWS_|GOOGLE_|GCLOUD_|CLOUDSDK_|GCE_)/.test(name)) vi.stubEnv(name, undefined);
      }
      for (const [name, value] of Object.entries(emptyEnvironment(home))) vi.stubEnv(name, value);
    });

    afterEach(() => {
      vi.unstubAllEnvs();
    });

    it.each(cases.filter((c) => !c.child))('$command: one line, exit $code', async (c) => {
      // Act
      const result = await runDms2bq(commandModules, c.argv());

      // Assess
      expectOneLine(result, c);
    });
  });
});
