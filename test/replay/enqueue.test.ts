import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchEnqueuer, EnqueueError } from '../../lambdas/replay/enqueue.js';

// SQS never fails part of a batch on demand in fauxqs, so these tests script the AWS SDK client.
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/loader';
const sqs = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const sqsMock = mockClient(sqs);

afterEach(() => {
  sqsMock.reset();
  vi.useRealTimers();
});

const bodies = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `message ${from + i}`);

const allSucceed = (input: SendMessageBatchCommandInput) => ({
  Successful: (input.Entries ?? []).map((entry) => ({
    Id: entry.Id,
    MessageId: `m-${entry.Id}`,
    MD5OfMessageBody: 'x',
  })),
  Failed: [],
});

async function enqueueAll(enqueuer: BatchEnqueuer<number>, messages: string[]) {
  for (const [index, body] of messages.entries()) await enqueuer.add(body, index);
  await enqueuer.flush();
}

describe('BatchEnqueuer', () => {
  it('sends 10 messages per SendMessageBatch call', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake(allSucceed);
    const enqueuer = new BatchEnqueuer<number>(sqs, QUEUE_URL);

    // Act
    await enqueueAll(enqueuer, bodies(25));

    // Assess
    const sizes = sqsMock
      .commandCalls(SendMessageBatchCommand)
      .map((call) => call.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 5]);
    expect(enqueuer.enqueued).toBe(25);
  });

  it('resends exactly the entries SQS failed without the sender at fault', async () => {
    // Prepare
    const messages = bodies(10);
    sqsMock
      .on(SendMessageBatchCommand)
      .callsFakeOnce((input: SendMessageBatchCommandInput) => ({
        ...allSucceed({
          ...input,
          Entries: input.Entries?.filter((entry) => !['3', '7'].includes(entry.Id ?? '')),
        }),
        Failed: [
          { Id: '3', SenderFault: false, Code: 'InternalError' },
          { Id: '7', SenderFault: false, Code: 'ServiceUnavailable' },
        ],
      }))
      .callsFake(allSucceed);
    const enqueuer = new BatchEnqueuer<number>(sqs, QUEUE_URL, { baseDelayMs: 1 });

    // Act
    await enqueueAll(enqueuer, messages);

    // Assess
    const retry = sqsMock.commandCalls(SendMessageBatchCommand)[1]?.args[0].input;
    expect(retry).toEqual({
      QueueUrl: QUEUE_URL,
      Entries: [
        { Id: '3', MessageBody: 'message 3' },
        { Id: '7', MessageBody: 'message 7' },
      ],
    });
    expect(enqueuer.enqueued).toBe(10);
  });

  it('reports the first message of the earliest failed batch when SQS rejects a message', async () => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .callsFakeOnce(allSucceed)
      .callsFakeOnce(() => ({
        Successful: [],
        Failed: [{ Id: '0', SenderFault: true, Code: 'InvalidMessageContents' }],
      }))
      .callsFake(allSucceed);
    const enqueuer = new BatchEnqueuer<number>(sqs, QUEUE_URL, { concurrency: 1 });

    // Act
    const sending = enqueueAll(enqueuer, bodies(30));

    // Assess
    await expect(sending).rejects.toThrow(EnqueueError);
    await expect(sending).rejects.toMatchObject({
      name: 'EnqueueError',
      resumeFrom: 10,
      message: `SendMessageBatch to ${QUEUE_URL} failed: SQS rejected a message: InvalidMessageContents`,
    });
  });

  it('takes no more messages once a batch has failed', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake(() => ({
      Successful: [],
      Failed: [{ Id: '0', SenderFault: true, Code: 'InvalidMessageContents' }],
    }));
    const enqueuer = new BatchEnqueuer<number>(sqs, QUEUE_URL, { concurrency: 1 });
    for (const [index, body] of bodies(10).entries()) await enqueuer.add(body, index);
    await enqueuer.settle();

    // Act
    const adding = enqueuer.add('message 10', 10);

    // Assess
    await expect(adding).rejects.toMatchObject({ name: 'EnqueueError', resumeFrom: 0 });
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it.each([
    [
      { Code: 'InvalidMessageContents', Message: 'Invalid characters' },
      'InvalidMessageContents (Invalid characters)',
    ],
    [{ Message: 'Invalid characters' }, 'unknown (Invalid characters)'],
    [{ Code: 'InvalidMessageContents' }, 'InvalidMessageContents'],
  ])('names what SQS said of a rejected message: %j', async (said, described) => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .callsFake(() => ({ Successful: [], Failed: [{ Id: '0', SenderFault: true, ...said }] }));
    const enqueuer = new BatchEnqueuer<number>(sqs, QUEUE_URL);

    // Act
    const sending = enqueueAll(enqueuer, bodies(1));

    // Assess
    await expect(sending).rejects.toThrow(
      new RegExp(`SQS rejected a message: ${described.replace(/[()]/g, '\\$&')}$`),
    );
  });

  it('waits baseDelayMs, then twice that, between attempts', async () => {
    // Prepare
    vi.useFakeTimers();
    const failing = () => ({
      Successful: [],
      Failed: [{ Id: '0', SenderFault: false, Code: 'InternalError' }],
    });
    sqsMock.on(SendMessageBatchCommand).callsFakeOnce(failing).callsFakeOnce(failing).callsFake(allSucceed);
    const enqueuer = new BatchEnqueuer<number>(sqs, QUEUE_URL, { maxAttempts: 3, baseDelayMs: 1_000 });
    const calls = () => sqsMock.commandCalls(SendMessageBatchCommand).length;

    // Act
    const sending = enqueueAll(enqueuer, bodies(1));
    const seen: number[] = [];
    for (const ms of [999, 1, 1_999, 1]) {
      await vi.advanceTimersByTimeAsync(ms);
      seen.push(calls());
    }
    await sending;

    // Assess
    expect(seen).toEqual([1, 2, 2, 3]);
  });

  it.each([
    { case: 'the earlier batch fails first', earlierDelayMs: 0, laterDelayMs: 20 },
    { case: 'the later batch fails first', earlierDelayMs: 20, laterDelayMs: 0 },
  ])(
    'resumes from the earliest failed batch with 16 batches in flight when $case',
    async ({ earlierDelayMs, laterDelayMs }) => {
      // Prepare: batches starting at messages 20 and 70 are rejected, in either order of completion.
      const rejectAfter = new Map([
        ['message 20', earlierDelayMs],
        ['message 70', laterDelayMs],
      ]);
      sqsMock.on(SendMessageBatchCommand).callsFake(async (input: SendMessageBatchCommandInput) => {
        const delay = rejectAfter.get(input.Entries?.[0]?.MessageBody ?? '');
        if (delay === undefined) return allSucceed(input);
        await new Promise((resolve) => setTimeout(resolve, delay));
        return { Successful: [], Failed: [{ Id: '0', SenderFault: true, Code: 'InvalidMessageContents' }] };
      });
      const enqueuer = new BatchEnqueuer<number>(sqs, QUEUE_URL, { concurrency: 16 });

      // Act
      const sending = enqueueAll(enqueuer, bodies(100));

      // Assess
      await expect(sending).rejects.toMatchObject({ resumeFrom: 20 });
    },
  );

  it('gives up on entries that keep failing after maxAttempts', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake(() => ({
      Successful: [],
      Failed: [{ Id: '0', SenderFault: false, Code: 'InternalError' }],
    }));
    const enqueuer = new BatchEnqueuer<number>(sqs, QUEUE_URL, { maxAttempts: 3, baseDelayMs: 1 });

    // Act
    const sending = enqueueAll(enqueuer, bodies(1));

    // Assess
    await expect(sending).rejects.toThrow(/still failing after 3 attempts: InternalError$/);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    // Prepare
    let inFlight = 0;
    let peak = 0;
    sqsMock.on(SendMessageBatchCommand).callsFake(async (input: SendMessageBatchCommandInput) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return allSucceed(input);
    });
    const enqueuer = new BatchEnqueuer<number>(sqs, QUEUE_URL, { concurrency: 3 });

    // Act
    await enqueueAll(enqueuer, bodies(200));

    // Assess
    expect(peak).toBe(3);
    expect(enqueuer.enqueued).toBe(200);
  });
});
