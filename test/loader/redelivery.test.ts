import { Logger } from '@aws-lambda-powertools/logger';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileOutcomeEvent } from '../../lambdas/loader/create-handler.js';
import { Redelivery, redeliveryDelaySeconds } from '../../lambdas/loader/redelivery.js';
import { toSqsRecord } from '../../local/aws/event-source/sqs-record.js';
import { type LocalAws, startLocalAws } from '../../local/aws/index.js';
import { dmsParquet } from './fixtures.js';
import { type HarnessOptions, type LoaderHarness, startLoaderHarness } from './harness.js';

describe('redeliveryDelaySeconds', () => {
  it.each([
    { receiveCount: 1, low: 5, high: 10 },
    { receiveCount: 2, low: 10, high: 20 },
    { receiveCount: 3, low: 20, high: 40 },
    { receiveCount: 4, low: 40, high: 80 },
    { receiveCount: 5, low: 80, high: 160 },
    { receiveCount: 7, low: 150, high: 300 },
    { receiveCount: 40, low: 150, high: 300 },
    { receiveCount: 0, low: 5, high: 10 },
    { receiveCount: Number.NaN, low: 5, high: 10 },
  ])('waits between $low and $high s after receive $receiveCount', ({ receiveCount, low, high }) => {
    // Act
    const range = [0, 0.999999].map((r) =>
      redeliveryDelaySeconds(receiveCount, { baseSeconds: 10, maxSeconds: 300 }, () => r),
    );

    // Assess
    expect(range).toEqual([low, high]);
  });
});

describe('Redelivery against fauxqs', { timeout: 30_000 }, () => {
  let aws: LocalAws | undefined;
  afterEach(async () => {
    await aws?.stop();
    aws = undefined;
  });

  /** A message received once with the queue's 60 s visibility, as the handler sees it. */
  const receivedRecord = async () => {
    aws = await startLocalAws({
      settings: { loaderQueue: { visibilityTimeoutSeconds: 60 } },
      notifier: { testEvent: false },
    });
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: aws.queueUrl, MessageBody: '{}' }));
    const { Messages = [] } = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: aws.queueUrl, MessageSystemAttributeNames: ['All'] }),
    );
    const message = Messages[0];
    if (!message) throw new Error('the message did not arrive');
    return { local: aws, record: toSqsRecord(message, aws.queueArn, aws.region) };
  };
  const receiveNow = async (local: LocalAws) =>
    (await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: local.queueUrl, WaitTimeSeconds: 0 })))
      .Messages ?? [];

  it('makes a permanently failed record visible at once', async () => {
    // Prepare
    const { local, record } = await receivedRecord();
    const redelivery = new Redelivery(
      local.sqs,
      { baseSeconds: 30, maxSeconds: 30 },
      new Logger({ logLevel: 'SILENT' }),
    );

    // Act
    await redelivery.schedule([{ record, permanent: true }]);

    // Assess
    expect(await receiveNow(local)).toHaveLength(1);
  });

  it('hides a retryable record for its backoff, not for the queue’s 60 s', async () => {
    // Prepare
    const { local, record } = await receivedRecord();
    const redelivery = new Redelivery(
      local.sqs,
      { baseSeconds: 2, maxSeconds: 2 },
      new Logger({ logLevel: 'SILENT' }),
      () => 0.999999,
    );

    // Act
    const started = Date.now();
    await redelivery.schedule([{ record, permanent: false }]);
    const early = await receiveNow(local);
    let again = await receiveNow(local);
    while (again.length === 0 && Date.now() - started < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = await receiveNow(local);
    }

    // Assess
    expect(early).toHaveLength(0);
    expect(again).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  });
});

/**
 * Through the local SQS event source (fauxqs keeps visibility and ApproximateReceiveCount, and moves
 * a message to the DLQ on the receive after maxReceiveCount) and the real handler. The queue's own
 * visibility timeout is 60 s: a record that came back sooner came back because the loader said so.
 */
describe('failed records come back after an exponential backoff', { timeout: 120_000 }, () => {
  let harness: LoaderHarness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  const start = async (loader: HarnessOptions['loader'], maxReceiveCount: number) => {
    const outcomes: (FileOutcomeEvent & { at: number })[] = [];
    harness = await startLoaderHarness({
      visibilityTimeoutSeconds: 60,
      maxReceiveCount,
      loader: { onFileOutcome: (event) => outcomes.push({ ...event, at: Date.now() }), ...loader },
    });
    return { h: harness, outcomes };
  };

  it('retries a failing file after 1, 2 and 4 s, then parks it in the DLQ', async () => {
    // Prepare: an unmapped table fails every delivery the way a transient failure does (not for good).
    const { h, outcomes } = await start(
      { redelivery: { baseSeconds: 1, maxSeconds: 4 }, random: () => 0.999999 },
      4,
    );
    const key = 'casino_a/game/unmapped/2024/03/27/20240327-014302000.parquet';
    await h.put(key, dmsParquet({ rows: 1 }));

    // Act
    await h.drain();

    // Assess
    const times = outcomes.filter((o) => o.key === key && o.status === 'failed').map((o) => o.at);
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((t, i) => (t - (times[i] ?? 0)) / 1000);
    // Never sooner than the backoff (SQS cannot return a message early), never near the queue's 60 s.
    expect(gaps[0]).toBeGreaterThanOrEqual(0.95);
    expect(gaps[1]).toBeGreaterThanOrEqual(1.95);
    expect(gaps[2]).toBeGreaterThanOrEqual(3.95);
    for (const gap of gaps) expect(gap).toBeLessThan(30);
    expect((gaps[2] ?? 0) / (gaps[0] ?? 1)).toBeGreaterThan(1.5);
    const dead = (await h.deadLetters()).map((body) => JSON.parse(body).Records[0].s3.object.key);
    expect(dead).toEqual([key]);
  });
});
