import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { deferred, type Harness, startHarness } from './event-source-harness.js';

const awsSqsSample = JSON.parse(
  readFileSync(new URL('./fixtures/sqs-event.aws-sample.json', import.meta.url), 'utf8'),
) as SQSEvent;
const sampleRecord = awsSqsSample.Records[0] as SQSRecord;

const harnesses: Harness[] = [];
const releases: (() => void)[] = [];

afterEach(async () => {
  for (const release of releases.splice(0)) release();
  await Promise.all(harnesses.splice(0).map((h) => h.stop()));
});

async function harness(...args: Parameters<typeof startHarness>): Promise<Harness> {
  const started = await startHarness(...args);
  harnesses.push(started);
  return started;
}

describe('the SQS event the handler receives', () => {
  async function deliveredRecord(): Promise<{ h: Harness; record: SQSRecord; messageId: string }> {
    const h = await harness(() => undefined);
    const { MessageId = '' } = await h.local.sqs.send(
      new SendMessageCommand({
        QueueUrl: h.local.queueUrl,
        MessageBody: 'Test message.',
        MessageAttributes: { myAttribute: { DataType: 'String', StringValue: 'myValue' } },
      }),
    );
    await h.eventSource.waitUntilIdle();
    const record = h.deliveries[0]?.record as SQSRecord;
    return { h, record, messageId: MessageId };
  }

  it('has the fields of the AWS sample record (plus md5OfMessageAttributes when attributes exist)', async () => {
    // Prepare
    const { record } = await deliveredRecord();

    // Act
    const fields = Object.keys(record).sort();

    // Assess
    expect(fields).toEqual([...Object.keys(sampleRecord), 'md5OfMessageAttributes'].sort());
    expect(Object.keys(record.attributes).sort()).toEqual(Object.keys(sampleRecord.attributes).sort());
  });

  it('carries the message, its attributes as Lambda spells them, and the queue it came from', async () => {
    // Prepare
    const { h, record, messageId } = await deliveredRecord();

    // Act
    const { receiptHandle, attributes, ...rest } = record;

    // Assess
    expect(receiptHandle).not.toBe('');
    expect(attributes.ApproximateReceiveCount).toBe('1');
    expect(attributes.SentTimestamp).toMatch(/^\d{13}$/);
    expect(attributes.ApproximateFirstReceiveTimestamp).toMatch(/^\d{13}$/);
    expect(rest).toMatchObject({
      messageId,
      body: 'Test message.',
      messageAttributes: sampleRecord.messageAttributes,
      md5OfBody: createHash('md5').update('Test message.').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: h.local.queueArn,
      awsRegion: h.local.region,
    });
  });
});

describe('the Lambda context', () => {
  it('names the function and counts down to the function timeout', async () => {
    // Prepare
    const h = await harness(() => undefined, { functionTimeoutMs: 60_000, functionName: 'loader' });

    // Act
    await h.send(['a']);
    await h.eventSource.waitUntilIdle();

    // Assess
    const [context] = h.contexts;
    expect(context?.functionName).toBe('loader');
    expect(context?.invokedFunctionArn).toBe(`arn:aws:lambda:${h.local.region}:000000000000:function:loader`);
    expect(context?.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(context?.getRemainingTimeInMillis()).toBeLessThanOrEqual(60_000);
  });

  it('has no time left once the enforced timeout has passed', async () => {
    // Prepare
    const stuck = deferred<undefined>();
    releases.push(() => stuck.resolve(undefined));
    const h = await harness(
      (_event, _context, invocation) => (invocation === 1 ? stuck.promise : undefined),
      {
        functionTimeoutMs: 200,
      },
    );

    // Act
    await h.send(['a']);
    await h.eventSource.waitUntilIdle();

    // Assess
    expect(h.eventSource.stats.timeouts).toBe(1);
    expect(h.contexts[0]?.getRemainingTimeInMillis()).toBe(0);
  });
});

describe('batching and concurrency', () => {
  it('gathers records that arrive within the batching window into one batch of batchSize', async () => {
    // Prepare
    const h = await harness(() => undefined, { batchSize: 3, maximumBatchingWindowMs: 20_000 });
    await h.send(['first']);
    await waitUntil(async () => (await notVisible(h)) === 1);

    // Act
    await h.send(['second', 'third']);
    await h.eventSource.waitUntilIdle();

    // Assess
    expect(h.eventSource.stats.invocations).toBe(1);
    expect(h.deliveries.map((d) => d.body)).toEqual(['first', 'second', 'third']);
  });

  it('runs up to `concurrency` invocations at the same time', async () => {
    // Prepare: each invocation waits until three run at once; fewer pollers would never get there.
    const allRunning = deferred();
    releases.push(() => allRunning.resolve());
    let running = 0;
    const h = await harness(
      async () => {
        running++;
        if (running === 3) allRunning.resolve();
        await allRunning.promise;
        return undefined;
      },
      { concurrency: 3, batchSize: 1 },
    );

    // Act
    await h.send(['a', 'b', 'c']);
    await allRunning.promise;
    await h.eventSource.waitUntilIdle();

    // Assess
    expect(running).toBe(3);
    expect(h.eventSource.stats).toMatchObject({ invocations: 3, recordsSucceeded: 3 });
  });
});

async function notVisible(h: Harness): Promise<number> {
  const { Attributes } = await h.local.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: h.local.queueUrl,
      AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}
