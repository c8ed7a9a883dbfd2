import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
} from '@aws-sdk/client-database-migration-service';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectStatus, type PipelineStatus } from '../../cli/operate/status/collect.js';
import { renderStatus, statusJson } from '../../cli/operate/status/render.js';
import type { Target } from '../../cli/operate/target.js';
import { readReplicationTask } from '../../lambdas/shared/dms/table-statistics.js';
import { replicationConfigIdentifier } from '../../lambdas/shared/naming.js';
import { betsRoute, dmsParquet, s3Notification } from '../loader/fixtures.js';
import { cdcKeyAt, type LoaderHarness, PROJECT, startLoaderHarness } from '../loader/harness.js';

const TASK_ARN = 'arn:aws:dms:eu-west-1:111111111111:task:ABCDEFGHIJKLMNOP';
const playersRoute = { ...betsRoute, table: 'players', targetTable: 'players' };

/**
 * `status` against a stage's services: DMS and CloudWatch answer through aws-sdk-client-mock with
 * their documented shapes, S3/SQS are fauxqs, BigQuery is the emulator, the loader loaded a file.
 */
describe('status of a stage', () => {
  let harness: LoaderHarness;
  let status: PipelineStatus;
  const dms = mockClient(DatabaseMigrationServiceClient);
  const cloudwatch = mockClient(CloudWatchClient);

  beforeAll(async () => {
    harness = await startLoaderHarness();
    await harness.put(cdcKeyAt(1), dmsParquet({ rows: 5 }));
    await harness.invoke([s3Notification(harness.aws.bucket, cdcKeyAt(1))]);
    // A second file landed whose notification was lost: never loaded.
    await harness.aws.s3.send(
      new PutObjectCommand({ Bucket: harness.aws.bucket, Key: cdcKeyAt(2), Body: dmsParquet({ rows: 2 }) }),
    );
    await harness.aws.sqs.send(new SendMessageCommand({ QueueUrl: harness.aws.dlqUrl, MessageBody: '{}' }));
    dms
      .on(DescribeReplicationTasksCommand, {
        Filters: [{ Name: 'replication-task-id', Values: ['dms2bq-prod-casino-a'] }],
      })
      .resolves({
        ReplicationTasks: [
          {
            ReplicationTaskIdentifier: 'dms2bq-prod-casino-a',
            ReplicationTaskArn: TASK_ARN,
            Status: 'stopped',
            StopReason: 'Stop Reason FATAL_ERROR Error Level FATAL',
          },
        ],
      })
      .on(DescribeTableStatisticsCommand, { ReplicationTaskArn: TASK_ARN })
      .resolves({
        TableStatistics: [
          {
            SchemaName: 'game',
            TableName: 'bets',
            TableState: 'Table completed',
            FullLoadRows: 0,
            Inserts: 4,
            Updates: 1,
            Deletes: 0,
          },
          {
            SchemaName: 'game',
            TableName: 'players',
            TableState: 'Table error',
            FullLoadRows: 10,
            Inserts: 0,
            Updates: 0,
            Deletes: 0,
          },
        ],
      });
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        {
          AlarmName: 'Dms2Bq-prod-AlarmsFreshnesscasinoabets-X',
          StateValue: 'ALARM',
          StateReason: 'Threshold Crossed',
          Dimensions: [
            { Name: 'source', Value: 'casino_a' },
            { Name: 'table', Value: 'bets' },
          ],
        },
      ],
    });
    const dmsClient = new DatabaseMigrationServiceClient({ region: 'eu-west-1' });
    const target: Target = {
      label: 'stage prod',
      routes: [playersRoute, betsRoute],
      bigquery: harness.bigquery,
      projectId: PROJECT,
      statistics: (source) => readReplicationTask(dmsClient, replicationConfigIdentifier('prod', source)),
      aws: async () => ({
        s3: harness.aws.s3,
        sqs: harness.aws.sqs,
        bucket: harness.aws.bucket,
        deadLetterQueueUrl: harness.aws.dlqUrl,
        cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }),
        alarmPrefix: 'Dms2Bq-prod-',
      }),
    };
    status = await collectStatus(target, { now: new Date(), freshnessSloMs: 15 * 60_000 });
  }, 60_000);

  afterAll(async () => {
    await harness.stop();
  });

  it('shows DMS, the files, the load jobs and freshness of a loaded table, with its problems', () => {
    // Act
    const bets = statusJson(status).tables.find((table) => table.table === 'bets');

    // Assess
    expect(bets).toMatchObject({
      dms: { task: 'dms2bq-prod-casino-a', taskStatus: 'stopped', tableState: 'Table completed', inserts: 4 },
      newestLanded: { key: cdcKeyAt(2), time: '2024-03-27T01:43:02.000Z' },
      newestLoaded: {
        file: '20240327-014301000.parquet',
        jobId: expect.stringMatching(/^cdc_casino_a_game_bets_20240327-014301000_/),
      },
      newestChange: '2024-03-27T01:43:07.000Z',
      loadJobs24h: 1,
      alarms: ['Dms2Bq-prod-AlarmsFreshnesscasinoabets-X'],
    });
    expect(bets?.problems).toEqual(['DMS task stopped', '1 alarm(s)', 'newest file not loaded', 'stale']);
  });

  it('reports a table in error with nothing landed', () => {
    // Act
    const players = statusJson(status).tables.find((table) => table.table === 'players');

    // Assess
    expect(players).toMatchObject({
      newestLanded: null,
      newestLoaded: null,
      freshnessSeconds: null,
      loadJobs24h: 0,
    });
    expect(players?.problems).toEqual(['DMS task stopped', 'DMS table error']);
  });

  it('keeps the documented --json keys (docs/operations.md)', () => {
    // Act
    const json = statusJson(status);

    // Assess
    expect(Object.keys(json)).toEqual([
      'target',
      'generatedAt',
      'deadLetterDepth',
      'alarms',
      'loadJobsComplete',
      'tables',
    ]);
    expect(Object.keys(json.tables[0] ?? {})).toEqual([
      'source',
      'schema',
      'table',
      'dataset',
      'targetTable',
      'dms',
      'newestLanded',
      'newestLoaded',
      'newestChange',
      'freshnessSeconds',
      'loadJobs24h',
      'loadJobsQuota',
      'alarms',
      'problems',
    ]);
    expect(Object.keys(json.tables[0]?.dms ?? {})).toEqual([
      'task',
      'taskStatus',
      'tableState',
      'fullLoadRows',
      'inserts',
      'updates',
      'deletes',
    ]);
  });

  it('counts the DLQ and lists the stack’s alarms under the table', () => {
    // Act
    const text = renderStatus(status);

    // Assess
    expect(status.deadLetterDepth).toBe(1);
    expect(text).toContain('DLQ: 1 message(s) (docs/runbooks/dlq-not-empty.md)');
    expect(text).toContain('alarms in ALARM: Dms2Bq-prod-AlarmsFreshnesscasinoabets-X');
    expect(text).toContain('2 of 2 table(s) need attention (stage prod)');
  });
});
