import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newestLanded } from '../../cli/operate/status/landed.js';
import { deadLetterDepth, firingAlarms } from '../../cli/operate/status/side-channels.js';
import { cdcKey, loadKey } from '../../lambdas/shared/dms/keys.js';
import { type LocalAws, startLocalAws } from '../../local/aws/index.js';

describe('newest landed file (fauxqs S3)', () => {
  let aws: LocalAws;
  const put = (key: string) =>
    aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: new Uint8Array([1]) }));

  beforeAll(async () => {
    aws = await startLocalAws();
    await put(loadKey('src', 'game', 'bets', 1));
    await put(loadKey('src', 'game', 'bets', 2));
    await put(cdcKey('src', 'game', 'bets', new Date('2026-01-31T23:59:00Z')));
    await put(cdcKey('src', 'game', 'bets', new Date('2026-02-01T00:01:00Z')));
    await put(cdcKey('src', 'game', 'bets', new Date('2026-02-01T00:00:30Z')));
    // Another table whose name starts with the first one's must not be mixed in.
    await put(cdcKey('src', 'game', 'bets_archive', new Date('2026-03-01T00:00:00Z')));
    await put(loadKey('src', 'game', 'players', 1));
  }, 30_000);

  afterAll(async () => {
    await aws.stop();
  });

  it('descends the newest date folders to the CDC file written last', async () => {
    // Act
    const landed = await newestLanded(aws.s3, aws.bucket, { source: 'src', schema: 'game', table: 'bets' });

    // Assess
    expect(landed).toEqual({
      key: 'src/game/bets/2026/02/01/20260201-000100000.parquet',
      time: new Date('2026-02-01T00:01:00Z'),
    });
  });

  it('answers with the newest full-load file of a table without CDC files', async () => {
    // Act
    const landed = await newestLanded(aws.s3, aws.bucket, {
      source: 'src',
      schema: 'game',
      table: 'players',
    });

    // Assess
    expect(landed?.key).toBe('src/game/players/LOAD00000001.parquet');
  });

  it('answers nothing for a table with no file', async () => {
    // Act
    const landed = await newestLanded(aws.s3, aws.bucket, { source: 'src', schema: 'game', table: 'none' });

    // Assess
    expect(landed).toBeUndefined();
  });

  it('reads the DLQ depth', async () => {
    // Prepare
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: aws.dlqUrl, MessageBody: '{}' }));

    // Act
    const depth = await deadLetterDepth(aws.sqs, aws.dlqUrl);

    // Assess
    expect(depth).toBe(1);
  });
});

describe('alarms in ALARM (CloudWatch DescribeAlarms)', () => {
  const cloudwatch = mockClient(CloudWatchClient);

  beforeEach(() => {
    cloudwatch.reset();
  });

  it('asks for the stack’s alarms in ALARM, follows NextToken, and ties table alarms to their table', async () => {
    // Prepare
    cloudwatch
      .on(DescribeAlarmsCommand, {
        AlarmNamePrefix: 'Dms2Bq-prod-',
        StateValue: 'ALARM',
        NextToken: undefined,
      })
      .resolves({
        MetricAlarms: [
          {
            AlarmName: 'Dms2Bq-prod-AlarmsFreshnesscasinoabets1A2B3C-ABCDEF',
            StateValue: 'ALARM',
            StateReason: 'Threshold Crossed: 2 datapoints were greater than the threshold (900000.0).',
            Dimensions: [
              { Name: 'service', Value: 'Dms2Bq-prod-loader' },
              { Name: 'source', Value: 'casino_a' },
              { Name: 'table', Value: 'bets' },
            ],
          },
        ],
        NextToken: 'more',
      })
      .on(DescribeAlarmsCommand, { NextToken: 'more' })
      .resolves({
        MetricAlarms: [
          { AlarmName: 'Dms2Bq-prod-AlarmsDeadLetters9F8E7D-GHIJKL', StateValue: 'ALARM', StateReason: 'x' },
        ],
      });

    // Act
    const alarms = await firingAlarms(new CloudWatchClient({ region: 'eu-west-1' }), 'Dms2Bq-prod-');

    // Assess
    expect(alarms.map((alarm) => ({ name: alarm.name, table: alarm.table }))).toEqual([
      {
        name: 'Dms2Bq-prod-AlarmsFreshnesscasinoabets1A2B3C-ABCDEF',
        table: { source: 'casino_a', table: 'bets' },
      },
      { name: 'Dms2Bq-prod-AlarmsDeadLetters9F8E7D-GHIJKL', table: undefined },
    ]);
  });
});
