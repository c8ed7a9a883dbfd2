import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FollowUpQueue } from '../../lambdas/loader/follow-ups.js';
import { type StreamRangeMessage, streamRangeMessage } from '../../lambdas/shared/messages.js';
import { type LocalAws, startLocalAws } from '../../local/aws/index.js';

/** `count` range messages of one file, 2 row groups each. */
const ranges = (count: number): StreamRangeMessage[] =>
  Array.from({ length: count }, (_, n) =>
    streamRangeMessage({
      bucket: 'landing',
      key: 'casino_a/game/bets/LOAD00000001.parquet',
      etag: 'abc123',
      rowGroups: { start: 2 * n, end: 2 * n + 2 },
    }),
  );

/** A production SQS client to fauxqs that counts the SendMessageBatch calls it has in flight. */
function countingClient(aws: LocalAws) {
  const sqs = new SQSClient(aws.clientConfig);
  const counts = { inFlight: 0, peak: 0, calls: 0 };
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendMessageBatchCommand') return next(args);
      counts.calls++;
      counts.inFlight++;
      counts.peak = Math.max(counts.peak, counts.inFlight);
      try {
        return await next(args);
      } finally {
        counts.inFlight--;
      }
    },
    { step: 'initialize', name: 'countSendMessageBatchInFlight' },
  );
  return { sqs, counts };
}

describe('FollowUpQueue', { timeout: 60_000 }, () => {
  let aws: LocalAws;

  beforeAll(async () => {
    aws = await startLocalAws({ notifier: { testEvent: false } });
  }, 60_000);

  afterAll(async () => {
    await aws?.stop();
  });

  it('sends every range message, with at most 4 SendMessageBatch calls in flight', async () => {
    // Prepare: a queue of its own. The loader runs up to 4 files at once (FILE_CONCURRENCY), each
    // sending its ranges this way, so one container has at most 16 calls in flight.
    const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: 'follow-ups-edges' }));
    if (!QueueUrl) throw new Error('fauxqs returned no queue URL');
    const { sqs, counts } = countingClient(aws);
    // 95 messages: 10 SendMessageBatch calls of at most 10 entries, more than 4 at once could hold.
    const messages = ranges(95);

    // Act
    await new FollowUpQueue(sqs, QueueUrl).send(messages);

    // Assess
    const received: StreamRangeMessage[] = [];
    for (;;) {
      const { Messages = [] } = await aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
      );
      if (Messages.length === 0) break;
      received.push(...Messages.map((message) => JSON.parse(message.Body ?? 'null') as StreamRangeMessage));
    }
    const byStart = (a: StreamRangeMessage, b: StreamRangeMessage) => a.rowGroups.start - b.rowGroups.start;
    expect(received.sort(byStart)).toEqual(messages);
    expect(counts).toEqual({ inFlight: 0, peak: 4, calls: 10 });
    sqs.destroy();
  });
});
