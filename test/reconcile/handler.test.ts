import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
  type TableStatistics,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createReconcileHandler } from '../../lambdas/reconcile/create-handler.js';
import { dmsParquet, routing, s3Notification } from '../loader/fixtures.js';
import { cdcKeyAt, type LoaderHarness, PROJECT, startLoaderHarness } from '../loader/harness.js';
import { useEmfCapture } from '../loader/logs.js';

const TASK_ARN = 'arn:aws:dms:eu-west-1:111111111111:task:ABCDEFGHIJKLMNOP';
const NOW = new Date('2024-03-28T00:00:00Z');

/** A table-statistics record as DescribeTableStatistics documents it (API reference, TableStatistics). */
const bets = (counters: Partial<TableStatistics>): TableStatistics => ({
  SchemaName: 'game',
  TableName: 'bets',
  TableState: 'Table completed',
  FullLoadRows: 0,
  Inserts: 0,
  Updates: 0,
  Deletes: 0,
  FullLoadStartTime: new Date('2024-03-27T00:00:00Z'),
  LastUpdateTime: new Date('2024-03-27T02:00:00Z'),
  FullLoadReloaded: false,
  ...counters,
});

describe('the reconciliation function', () => {
  let harness: LoaderHarness;
  const dms = mockClient(DatabaseMigrationServiceClient);
  const emf = useEmfCapture();

  beforeAll(async () => {
    harness = await startLoaderHarness();
    // 5 rows, Op I I U I I: the changelog holds 4 inserts and 1 update.
    await harness.put(cdcKeyAt(1), dmsParquet({ rows: 5 }));
    await harness.invoke([s3Notification(harness.aws.bucket, cdcKeyAt(1))]);
  }, 60_000);

  afterAll(async () => {
    await harness.stop();
  });

  beforeEach(() => {
    dms.reset();
    dms
      .on(DescribeReplicationTasksCommand, {
        Filters: [{ Name: 'replication-task-id', Values: ['dms2bq-dev-casino-a'] }],
      })
      .resolves({
        ReplicationTasks: [
          {
            ReplicationTaskIdentifier: 'dms2bq-dev-casino-a',
            ReplicationTaskArn: TASK_ARN,
            Status: 'running',
          },
        ],
      });
  });

  const run = () =>
    createReconcileHandler({
      stage: 'dev',
      routing,
      dms: new DatabaseMigrationServiceClient({ region: 'eu-west-1' }),
      bigquery: harness.bigquery,
      projectId: PROJECT,
      metrics: new Metrics({ namespace: 'dms2bq-test', serviceName: 'Dms2Bq-dev-reconcile' }),
      logger: new Logger({ logLevel: 'SILENT' }),
      settleMs: 15 * 60_000,
      now: () => NOW,
    })();

  const metric = (name: string): unknown[] =>
    emf
      .lines()
      .filter((line) => line._aws.CloudWatchMetrics[0]?.Metrics.some((m) => m.Name === name))
      .map((line) => line[name]);

  it('publishes no drift when the changelog holds what DMS counted', async () => {
    // Prepare
    dms.on(DescribeTableStatisticsCommand).resolves({ TableStatistics: [bets({ Inserts: 4, Updates: 1 })] });

    // Act
    const result = await run();

    // Assess
    expect(result).toEqual({ tables: 1, drifting: [] });
    expect(metric('TablesDrifting')).toEqual([0]);
    expect(metric('MissingRows')).toEqual([0]);
  });

  it('names the table and publishes its missing rows when DMS counted more and went quiet', async () => {
    // Prepare
    dms.on(DescribeTableStatisticsCommand).resolves({
      TableStatistics: [bets({ FullLoadRows: 2, Inserts: 4, Updates: 1, Deletes: 1 })],
    });

    // Act
    const result = await run();

    // Assess
    expect(result.drifting).toEqual([{ table: 'casino_a.bets', missingRows: 3, verdict: 'missing' }]);
    expect(metric('TablesDrifting')).toEqual([1]);
    expect(metric('MissingRows')).toEqual([3]);
  });

  it('does not alarm on a shortfall while DMS is still counting', async () => {
    // Prepare
    dms.on(DescribeTableStatisticsCommand).resolves({
      TableStatistics: [bets({ Inserts: 9, Updates: 1, LastUpdateTime: new Date(NOW.getTime() - 60_000) })],
    });

    // Act
    const result = await run();

    // Assess
    expect(result.drifting).toEqual([]);
    expect(metric('MissingRows')).toEqual([0]);
  });

  it('follows DescribeTableStatistics markers to find the table', async () => {
    // Prepare
    const other = { ...bets({}), TableName: 'players' };
    dms
      .on(DescribeTableStatisticsCommand, { ReplicationTaskArn: TASK_ARN, Marker: undefined })
      .resolves({ TableStatistics: [other], Marker: 'page-2' })
      .on(DescribeTableStatisticsCommand, { ReplicationTaskArn: TASK_ARN, Marker: 'page-2' })
      .resolves({ TableStatistics: [bets({ Inserts: 6, Updates: 1 })] });

    // Act
    const result = await run();

    // Assess
    expect(result.drifting).toEqual([{ table: 'casino_a.bets', missingRows: 2, verdict: 'missing' }]);
  });

  it('reports a table DMS has no statistics for as not replicated, not as drift', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [] });

    // Act
    const result = await run();

    // Assess
    expect(result).toEqual({ tables: 1, drifting: [] });
    expect(dms.commandCalls(DescribeTableStatisticsCommand)).toHaveLength(0);
  });
});
