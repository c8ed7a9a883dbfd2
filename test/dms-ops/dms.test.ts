import {
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
  ReloadTablesCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dmsCommand } from '../../cli/commands/operate/dms.js';
import { replicationTaskIdentifier } from '../../cli/dms/operations.js';
import { readMappingsSync } from '../../infra/mappings.js';
import { tableMappingsJson } from '../../lambdas/shared/dms/table-mappings.js';
import { runDms2bq } from '../support/cli.js';
import { DmsFake } from '../support/dms-fake.js';

// DMS cannot run locally: the CLI's unchanged SDK client talks to a fake that keeps DMS's
// documented state rules (test/support/dms-fake.ts).
const IDENTIFIER = 'dms2bq-prod-casino-a';
const TARGET = ['--source', 'casino_a', '--stage', 'prod', '--region', 'eu-west-1'];
const casinoA = readMappingsSync('mappings').find((mapping) => mapping.source === 'casino_a');
const MAPPINGS = tableMappingsJson(casinoA as NonNullable<typeof casinoA>);

let fake: DmsFake;
/** Whether DMS makes progress while the CLI waits between polls. */
let dmsProgresses: boolean;
beforeEach(() => {
  fake = new DmsFake();
  dmsProgresses = true;
});
afterEach(() => fake.mock.restore());

const dms2bq = (...argv: string[]) =>
  runDms2bq(
    [
      dmsCommand({
        sleep: async () => {
          if (dmsProgresses) fake.tick();
        },
      }),
    ],
    ['dms', ...argv],
  );

const input = <T>(command: new (...args: never[]) => T) =>
  fake.mock.commandCalls(command as never).map((call) => (call.args[0] as { input: unknown }).input);

describe('dms2bq dms status', () => {
  it('finds the task by its identifier dms2bq-<stage>-<source> and pages through table statistics', async () => {
    // Prepare
    const arn = fake.seed(IDENTIFIER, MAPPINGS, 'running');
    fake.mock
      .on(DescribeTableStatisticsCommand)
      .resolvesOnce({
        Marker: 'page-2',
        TableStatistics: [
          {
            SchemaName: 'game',
            TableName: 'users',
            TableState: 'Table completed',
            Inserts: 5,
            FullLoadRows: 1200,
          },
        ],
      })
      .resolvesOnce({
        TableStatistics: [
          {
            SchemaName: 'game',
            TableName: 'bets',
            TableState: 'Table completed',
            Inserts: 10,
            Updates: 3,
            Deletes: 1,
          },
        ],
      });

    // Act
    const result = await dms2bq('status', ...TARGET);

    // Assess
    expect(result.code).toBe(0);
    expect(input(DescribeReplicationTasksCommand)).toEqual([
      { Filters: [{ Name: 'replication-task-id', Values: [IDENTIFIER] }], WithoutSettings: true },
    ]);
    expect(input(DescribeTableStatisticsCommand)).toEqual([
      { ReplicationTaskArn: arn, MaxRecords: 500 },
      { ReplicationTaskArn: arn, MaxRecords: 500, Marker: 'page-2' },
    ]);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      `${IDENTIFIER} (full-load-and-cdc): running`,
      `  ${arn}`,
    ]);
    expect(result.stdout).toMatch(/game\.bets\s+Table completed\s+10\s+3\s+1\s+0\s+-\n/);
    expect(result.stdout).toMatch(/game\.users\s+Table completed\s+5\s+0\s+0\s+1200\s+-\n/);
  });

  it('looks the task up by ARN when given one', async () => {
    // Prepare
    const arn = fake.seed(IDENTIFIER, MAPPINGS, 'running');

    // Act
    const result = await dms2bq(
      'status',
      '--source',
      'casino_a',
      '--replication-task-arn',
      arn,
      '--region',
      'eu-west-1',
    );

    // Assess
    expect(result.code).toBe(0);
    expect(input(DescribeReplicationTasksCommand)[0]).toEqual({
      Filters: [{ Name: 'replication-task-arn', Values: [arn] }],
      WithoutSettings: true,
    });
  });

  it('names the identifier it looked for when no task matches', async () => {
    // Act
    const result = await dms2bq('status', ...TARGET);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^no DMS replication task with identifier dms2bq-prod-casino-a .*--replication-task-arn\n$/,
    );
  });
});

describe('dms2bq dms reload', () => {
  it('reloads exactly the named table of a running task', async () => {
    // Prepare
    const arn = fake.seed(IDENTIFIER, MAPPINGS, 'running');

    // Act
    const result = await dms2bq('reload', ...TARGET, '--table', 'game.bets');

    // Assess
    expect(result.code).toBe(0);
    expect(input(ReloadTablesCommand)).toEqual([
      {
        ReplicationTaskArn: arn,
        TablesToReload: [{ SchemaName: 'game', TableName: 'bets' }],
        ReloadOption: 'data-reload',
      },
    ]);
    expect(fake.tableStates(IDENTIFIER)['game.bets']).toBe('Full load');
  });

  it('refuses to reload a table of a stopped task, saying to resume it first', async () => {
    // Prepare
    fake.seed(IDENTIFIER, MAPPINGS, 'stopped');

    // Act
    const result = await dms2bq('reload', ...TARGET, '--table', 'game.bets');

    // Assess
    expect(result).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/is stopped; DMS reloads tables only of a running task/),
    });
    expect(input(ReloadTablesCommand)).toEqual([]);
  });

  it('refuses a table the source does not map, before calling DMS', async () => {
    // Act
    const result = await dms2bq('reload', ...TARGET, '--table', 'game.nope');

    // Assess
    expect(result).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^--table game\.nope is not a mapped table of casino_a/),
    });
    expect(fake.calls()).toEqual([]);
  });
});

describe('dms2bq dms resume', () => {
  it('stops a running task, waits until it is stopped, then resumes CDC from the time', async () => {
    // Prepare
    const arn = fake.seed(IDENTIFIER, MAPPINGS, 'running');

    // Act
    const result = await dms2bq('resume', ...TARGET, '--from', '2026-03-02T06:00:00Z');

    // Assess
    expect(result.code).toBe(0);
    expect(fake.calls().filter((name) => !name.startsWith('Describe'))).toEqual([
      'StopReplicationTaskCommand',
      'StartReplicationTaskCommand',
    ]);
    expect(input(StartReplicationTaskCommand)).toEqual([
      {
        ReplicationTaskArn: arn,
        StartReplicationTaskType: 'resume-processing',
        CdcStartTime: new Date('2026-03-02T06:00:00.000Z'),
      },
    ]);
  });

  it('resumes a failed task from a binlog position without stopping it', async () => {
    // Prepare
    const arn = fake.seed(IDENTIFIER, MAPPINGS, 'failed');

    // Act
    const result = await dms2bq('resume', ...TARGET, '--from-position', 'mysql-bin-changelog.000123:4');

    // Assess
    expect(result).toMatchObject({
      code: 0,
      stdout: `started ${arn} (resume-processing) with CDC from mysql-bin-changelog.000123:4\n`,
    });
    expect(input(StopReplicationTaskCommand)).toEqual([]);
    expect(input(StartReplicationTaskCommand)).toEqual([
      {
        ReplicationTaskArn: arn,
        StartReplicationTaskType: 'resume-processing',
        CdcStartPosition: 'mysql-bin-changelog.000123:4',
      },
    ]);
  });

  it('reloads every table with reload-target from the checkpoint', async () => {
    // Prepare
    const arn = fake.seed(IDENTIFIER, MAPPINGS, 'stopped');

    // Act
    await dms2bq('resume', ...TARGET, '--start-type', 'reload-target');

    // Assess
    expect(input(StartReplicationTaskCommand)).toEqual([
      { ReplicationTaskArn: arn, StartReplicationTaskType: 'reload-target' },
    ]);
  });

  it('starts nothing when the task never stops', async () => {
    // Prepare
    const arn = fake.seed(IDENTIFIER, MAPPINGS, 'running');
    dmsProgresses = false;

    // Act
    const result = await dms2bq('resume', ...TARGET, '--from', '2026-03-02T06:00:00Z');

    // Assess
    expect(result).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`${arn} is still stopping; nothing was started`),
    });
    expect(input(StartReplicationTaskCommand)).toEqual([]);
  });
});

describe('dms2bq dms usage errors', () => {
  it.each([
    {
      name: 'malformed --from',
      argv: ['resume', ...TARGET, '--from', '2026-03-02 06:00'],
      stderr: /^--from 2026-03-02 06:00 is not an ISO-8601 UTC time/,
    },
    {
      name: 'both --from and --from-position',
      argv: ['resume', ...TARGET, '--from', '2026-03-02', '--from-position', 'mysql-bin.000001:4'],
      stderr: /^pass at most one of --from/,
    },
    {
      name: 'malformed --from-position',
      argv: ['resume', ...TARGET, '--from-position', 'yesterday'],
      stderr: /^--from-position yesterday is not a binlog position/,
    },
    {
      name: 'unknown --start-type',
      argv: ['resume', ...TARGET, '--start-type', 'start-replication'],
      stderr: /^--start-type start-replication: use/,
    },
    {
      name: 'no --stage nor ARN',
      argv: ['status', '--source', 'casino_a'],
      stderr: /^pass exactly one of --stage/,
    },
    {
      name: 'both --stage and ARN',
      argv: ['status', ...TARGET, '--replication-task-arn', 'arn:aws:dms:eu-west-1:1:task:X'],
      stderr: /^pass exactly one of --stage/,
    },
  ])('exits 2 on $name without calling DMS', async ({ argv, stderr }) => {
    // Act
    const result = await dms2bq(...argv);

    // Assess
    expect(result).toMatchObject({ code: 2, stderr: expect.stringMatching(stderr) });
    expect(fake.calls()).toEqual([]);
  });

  it('exits 2 for a source without a mapping file', async () => {
    // Act
    const result = await dms2bq('status', '--source', 'casino_z', '--stage', 'prod');

    // Assess
    expect(result).toMatchObject({ code: 2, stderr: '--source casino_z has no mapping file in mappings\n' });
  });
});

describe('replication task identifier', () => {
  it.each([
    { stage: 'prod', source: 'casino_a', identifier: 'dms2bq-prod-casino-a' },
    { stage: 'Prod_EU', source: 'casino__b', identifier: 'dms2bq-prod-eu-casino-b' },
    { stage: 'dev', source: 'shop', identifier: 'dms2bq-dev-shop' },
  ])('names stage $stage, source $source as DMS allows: $identifier', ({ stage, source, identifier }) => {
    // Act
    const named = replicationTaskIdentifier(stage, source);

    // Assess
    expect(named).toBe(identifier);
  });
});
