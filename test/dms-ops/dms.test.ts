import {
  DatabaseMigrationServiceClient,
  DescribeReplicationsCommand,
  DescribeReplicationTableStatisticsCommand,
  ReloadReplicationTablesCommand,
  type Replication,
  StartReplicationCommand,
  StopReplicationCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { dmsCommand } from '../../cli/commands/operate/dms.js';
import { replicationConfigIdentifier } from '../../cli/dms/operations.js';
import { runDms2bq } from '../support/cli.js';

// DMS cannot run locally: these tests script the AWS SDK client and assert the exact requests.
const dmsMock = mockClient(DatabaseMigrationServiceClient);
const ARN = 'arn:aws:dms:eu-west-1:123456789012:replication-config:ABCDEF';
const TARGET = ['--source', 'casino_a', '--stage', 'prod', '--region', 'eu-west-1'];

afterEach(() => {
  dmsMock.reset();
});

function replicationFactory(overrides: Partial<Replication> = {}): Replication {
  return {
    ReplicationConfigIdentifier: 'dms2bq-prod-casino-a',
    ReplicationConfigArn: ARN,
    ReplicationType: 'full-load-and-cdc',
    Status: 'running',
    ...overrides,
  };
}

const dms2bq = (...argv: string[]) =>
  runDms2bq([dmsCommand({ sleep: async () => undefined })], ['dms', ...argv]);

const sent = () =>
  dmsMock.calls().map((call) => {
    const command = call.args[0] as { constructor: { name: string }; input: unknown };
    return [command.constructor.name, command.input];
  });

describe('dms2bq dms status', () => {
  it('finds the replication by its identifier dms2bq-<stage>-<source> (DMS-safe) and pages through table statistics', async () => {
    // Prepare
    dmsMock.on(DescribeReplicationsCommand).resolves({ Replications: [replicationFactory()] });
    dmsMock
      .on(DescribeReplicationTableStatisticsCommand)
      .resolvesOnce({
        Marker: 'page-2',
        ReplicationTableStatistics: [
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
        ReplicationTableStatistics: [
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
    expect(sent()).toEqual([
      [
        'DescribeReplicationsCommand',
        { Filters: [{ Name: 'replication-config-id', Values: ['dms2bq-prod-casino-a'] }] },
      ],
      ['DescribeReplicationTableStatisticsCommand', { ReplicationConfigArn: ARN, MaxRecords: 500 }],
      [
        'DescribeReplicationTableStatisticsCommand',
        { ReplicationConfigArn: ARN, MaxRecords: 500, Marker: 'page-2' },
      ],
    ]);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      'dms2bq-prod-casino-a (full-load-and-cdc): running',
      `  ${ARN}`,
    ]);
    expect(result.stdout).toMatch(/game\.bets\s+Table completed\s+10\s+3\s+1\s+0\s+-\n/);
    expect(result.stdout).toMatch(/game\.users\s+Table completed\s+5\s+0\s+0\s+1200\s+-\n/);
  });

  it('looks the replication up by ARN when given one', async () => {
    // Prepare
    dmsMock.on(DescribeReplicationsCommand).resolves({ Replications: [replicationFactory()] });
    dmsMock.on(DescribeReplicationTableStatisticsCommand).resolves({ ReplicationTableStatistics: [] });

    // Act
    await dms2bq('status', '--source', 'casino_a', '--replication-config-arn', ARN, '--region', 'eu-west-1');

    // Assess
    expect(sent()[0]).toEqual([
      'DescribeReplicationsCommand',
      { Filters: [{ Name: 'replication-config-arn', Values: [ARN] }] },
    ]);
  });

  it('names the identifier it looked for when no replication matches', async () => {
    // Prepare
    dmsMock.on(DescribeReplicationsCommand).resolves({ Replications: [] });

    // Act
    const result = await dms2bq('status', ...TARGET);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^no DMS serverless replication with config identifier dms2bq-prod-casino-a .*--replication-config-arn\n$/,
    );
  });
});

describe('dms2bq dms reload', () => {
  it('reloads exactly the named table', async () => {
    // Prepare
    dmsMock.on(DescribeReplicationsCommand).resolves({ Replications: [replicationFactory()] });
    dmsMock.on(ReloadReplicationTablesCommand).resolves({ ReplicationConfigArn: ARN });

    // Act
    const result = await dms2bq('reload', ...TARGET, '--table', 'game.bets');

    // Assess
    expect(result.code).toBe(0);
    expect(sent()[1]).toEqual([
      'ReloadReplicationTablesCommand',
      {
        ReplicationConfigArn: ARN,
        TablesToReload: [{ SchemaName: 'game', TableName: 'bets' }],
        ReloadOption: 'data-reload',
      },
    ]);
  });

  it('refuses a table the source does not map, before calling DMS', async () => {
    // Act
    const result = await dms2bq('reload', ...TARGET, '--table', 'game.nope');

    // Assess
    expect(result).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^--table game\.nope is not a mapped table of casino_a/),
    });
    expect(sent()).toEqual([]);
  });
});

describe('dms2bq dms resume', () => {
  it('stops a running replication, waits until it is stopped, then starts CDC from the time', async () => {
    // Prepare
    dmsMock
      .on(DescribeReplicationsCommand)
      .resolvesOnce({ Replications: [replicationFactory({ Status: 'running' })] })
      .resolvesOnce({ Replications: [replicationFactory({ Status: 'stopping' })] })
      .resolves({ Replications: [replicationFactory({ Status: 'stopped' })] });
    dmsMock.on(StopReplicationCommand).resolves({});
    dmsMock.on(StartReplicationCommand).resolves({});

    // Act
    const result = await dms2bq('resume', ...TARGET, '--from', '2026-03-02T06:00:00Z');

    // Assess
    expect(result.code).toBe(0);
    expect(sent()).toEqual([
      [
        'DescribeReplicationsCommand',
        { Filters: [{ Name: 'replication-config-id', Values: ['dms2bq-prod-casino-a'] }] },
      ],
      ['StopReplicationCommand', { ReplicationConfigArn: ARN }],
      ['DescribeReplicationsCommand', { Filters: [{ Name: 'replication-config-arn', Values: [ARN] }] }],
      ['DescribeReplicationsCommand', { Filters: [{ Name: 'replication-config-arn', Values: [ARN] }] }],
      [
        'StartReplicationCommand',
        {
          ReplicationConfigArn: ARN,
          StartReplicationType: 'resume-processing',
          CdcStartTime: new Date('2026-03-02T06:00:00.000Z'),
        },
      ],
    ]);
  });

  it('starts a stopped replication without stopping it, with the chosen start type', async () => {
    // Prepare
    dmsMock
      .on(DescribeReplicationsCommand)
      .resolves({ Replications: [replicationFactory({ Status: 'stopped' })] });
    dmsMock.on(StartReplicationCommand).resolves({});

    // Act
    await dms2bq('resume', ...TARGET, '--from', '2026-03-02', '--start-type', 'start-replication');

    // Assess
    expect(sent().map(([name]) => name)).toEqual(['DescribeReplicationsCommand', 'StartReplicationCommand']);
    expect(sent()[1]?.[1]).toEqual({
      ReplicationConfigArn: ARN,
      StartReplicationType: 'start-replication',
      CdcStartTime: new Date('2026-03-02T00:00:00.000Z'),
    });
  });

  it('resumes from the checkpoint when no time is given', async () => {
    // Prepare
    dmsMock
      .on(DescribeReplicationsCommand)
      .resolves({ Replications: [replicationFactory({ Status: 'stopped' })] });
    dmsMock.on(StartReplicationCommand).resolves({});

    // Act
    const result = await dms2bq('resume', ...TARGET);

    // Assess
    expect(result).toMatchObject({
      code: 0,
      stdout: `started ${ARN} (resume-processing) with CDC from its checkpoint\n`,
    });
    expect(sent()[1]).toEqual([
      'StartReplicationCommand',
      { ReplicationConfigArn: ARN, StartReplicationType: 'resume-processing' },
    ]);
  });

  it('starts nothing when the replication never stops', async () => {
    // Prepare
    dmsMock
      .on(DescribeReplicationsCommand)
      .resolvesOnce({ Replications: [replicationFactory({ Status: 'running' })] })
      .resolves({ Replications: [replicationFactory({ Status: 'stopping' })] });
    dmsMock.on(StopReplicationCommand).resolves({});

    // Act
    const result = await dms2bq('resume', ...TARGET, '--from', '2026-03-02T06:00:00Z');

    // Assess
    expect(result).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`${ARN} is still stopping; nothing was started`),
    });
    expect(dmsMock.commandCalls(StartReplicationCommand)).toEqual([]);
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
      name: 'unknown --start-type',
      argv: ['resume', ...TARGET, '--from', '2026-03-02', '--start-type', 'reload-target'],
      stderr: /^--start-type reload-target: use/,
    },
    {
      name: 'no --stage nor ARN',
      argv: ['status', '--source', 'casino_a'],
      stderr: /^pass exactly one of --stage/,
    },
    {
      name: 'both --stage and ARN',
      argv: ['status', ...TARGET, '--replication-config-arn', ARN],
      stderr: /^pass exactly one of --stage/,
    },
  ])('exits 2 on $name without calling DMS', async ({ argv, stderr }) => {
    // Act
    const result = await dms2bq(...argv);

    // Assess
    expect(result).toMatchObject({ code: 2, stderr: expect.stringMatching(stderr) });
    expect(sent()).toEqual([]);
  });

  it('exits 1 for a source without a mapping file', async () => {
    // Act
    const result = await dms2bq('status', '--source', 'casino_z', '--stage', 'prod');

    // Assess
    expect(result).toMatchObject({ code: 1, stderr: '--source casino_z has no mapping file in mappings\n' });
  });
});

describe('replication config identifier', () => {
  it.each([
    { stage: 'prod', source: 'casino_a', identifier: 'dms2bq-prod-casino-a' },
    { stage: 'Prod_EU', source: 'casino__b', identifier: 'dms2bq-prod-eu-casino-b' },
    { stage: 'dev', source: 'shop', identifier: 'dms2bq-dev-shop' },
  ])('names stage $stage, source $source as DMS allows: $identifier', ({ stage, source, identifier }) => {
    // Act
    const named = replicationConfigIdentifier(stage, source);

    // Assess
    expect(named).toBe(identifier);
  });
});
