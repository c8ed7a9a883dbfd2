import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type BatchFailure, startLocalAws, startSqsEventSource } from '../../local/aws/index.js';
import { type Decide, deferred, type Harness, startHarness } from './event-source-harness.js';
import { receiveOne } from './sqs-helpers.js';

const harnesses: Harness[] = [];
const releases: (() => void)[] = [];
/** Stopped last-in first-out: the event source before the local AWS it polls. */
const stopLater: (() => Promise<void>)[] = [];

async function harness(decide: Decide, options?: Parameters<typeof startHarness>[1]): Promise<Harness> {
  const started = await startHarness(decide, options);
  harnesses.push(started);
  return started;
}

afterEach(async () => {
  for (const release of releases.splice(0)) release();
  await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  for (const stop of stopLater.splice(0).reverse()) await stop();
});

const failIds = (...itemIdentifiers: string[]): SQSBatchResponse => ({
  batchItemFailures: itemIdentifiers.map((itemIdentifier) => ({ itemIdentifier })),
});

describe('successful batches', () => {
  it('deletes every record of a batch the handler accepted', async () => {
    // Prepare
    const h = await harness(() => undefined);

    // Act
    await h.send(['a', 'b', 'c']);
    await h.eventSource.waitUntilIdle();

    // Assess
    expect(h.deliveries.map((d) => [d.body, d.receiveCount])).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    expect(h.eventSource.stats).toMatchObject({ invocations: 1, recordsSucceeded: 3, recordsFailed: 0 });
  });

  it('accepts a handler that answers through the legacy callback', async () => {
    // Prepare
    const local = await startLocalAws({ notifier: { testEvent: false } });
    stopLater.push(() => local.stop());
    const eventSource = startSqsEventSource({
      sqs: local.sqs,
      queueUrl: local.queueUrl,
      queueArn: local.queueArn,
      region: local.region,
      maximumBatchingWindowMs: 0,
      concurrency: 1,
      handler: (_event, _context, callback) => callback(null, { batchItemFailures: [] }),
    });
    stopLater.push(() => eventSource.stop());

    // Act
    await local.sqs.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: 'a' }));
    await eventSource.waitUntilIdle();

    // Assess
    expect(eventSource.stats).toMatchObject({ invocations: 1, recordsSucceeded: 1, batchesFailed: 0 });
  });
});

describe('partial batch response', () => {
  it('deletes the records not listed and redelivers the listed one after the visibility timeout', async () => {
    // Prepare
    const h = await harness((event) => {
      const b = event.Records.find((r) => r.body === 'b' && r.attributes.ApproximateReceiveCount === '1');
      return b ? failIds(b.messageId) : undefined;
    });

    // Act
    await h.send(['a', 'b', 'c']);
    await h.eventSource.waitUntilIdle();

    // Assess
    expect(['a', 'b', 'c'].map((body) => h.deliveriesOf(body))).toEqual([[1], [1, 2], [1]]);
    expect(h.eventSource.stats).toMatchObject({ recordsSucceeded: 3, recordsFailed: 1, batchesFailed: 0 });
  });
});

describe('without ReportBatchItemFailures on the mapping', () => {
  it('ignores batchItemFailures and deletes the whole batch, as Lambda does', async () => {
    // Prepare
    const h = await harness((event) => failIds(...event.Records.map((r) => r.messageId)), {
      reportBatchItemFailures: false,
    });

    // Act
    await h.send(['a', 'b']);
    await h.eventSource.waitUntilIdle();

    // Assess
    expect(['a', 'b'].map((body) => h.deliveriesOf(body))).toEqual([[1], [1]]);
  });
});

describe('whole-batch failures: nothing is deleted, every record comes back', () => {
  it('when the handler throws', async () => {
    // Prepare
    const h = await harness((_event, _context, invocation) => {
      if (invocation === 1) throw new Error('BigQuery unavailable');
      return undefined;
    });

    // Act
    await h.send(['a', 'b']);
    await h.eventSource.waitUntilIdle();

    // Assess
    expect(['a', 'b'].map((body) => h.deliveriesOf(body))).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(h.eventSource.stats).toMatchObject({ batchesFailed: 1, recordsFailed: 2, recordsSucceeded: 2 });
  });

  it('tells onBatchFailure why the batch failed', async () => {
    // Prepare
    const failures: BatchFailure[] = [];
    const h = await harness(
      (_event, _context, invocation) => {
        if (invocation === 1) throw new Error('BigQuery unavailable');
        return undefined;
      },
      { onBatchFailure: (failure) => failures.push(failure) },
    );

    // Act
    await h.send(['a']);
    await h.eventSource.waitUntilIdle();

    // Assess
    expect(failures).toEqual([{ kind: 'threw', error: new Error('BigQuery unavailable') }]);
  });

  it('when the handler outlives the function timeout', async () => {
    // Prepare
    const stuck = deferred<undefined>();
    releases.push(() => stuck.resolve(undefined));
    const h = await harness(
      (_event, _context, invocation) => (invocation === 1 ? stuck.promise : undefined),
      {
        functionTimeoutMs: 300,
      },
    );

    // Act
    await h.send(['a', 'b']);
    await h.eventSource.waitUntilIdle();

    // Assess
    expect(['a', 'b'].map((body) => h.deliveriesOf(body))).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(h.eventSource.stats).toMatchObject({ timeouts: 1, batchesFailed: 1, recordsSucceeded: 2 });
  });

  it.each([
    ['an itemIdentifier that is not in the batch', () => failIds('not-a-message-id')],
    ['an empty itemIdentifier', () => failIds('')],
    ['an entry without itemIdentifier', () => ({ batchItemFailures: [{}] }) as unknown as SQSBatchResponse],
    [
      'batchItemFailures that is not a list',
      () => ({ batchItemFailures: 'b' }) as unknown as SQSBatchResponse,
    ],
    ['a response that is not an object', () => 'ok' as unknown as SQSBatchResponse],
  ])('when the response has %s', async (_label, malformed) => {
    // Prepare
    const h = await harness((_event, _context, invocation) => (invocation === 1 ? malformed() : undefined));

    // Act
    await h.send(['a', 'b']);
    await h.eventSource.waitUntilIdle();

    // Assess
    expect(['a', 'b'].map((body) => h.deliveriesOf(body))).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(h.eventSource.stats).toMatchObject({ batchesFailed: 1, recordsSucceeded: 2 });
  });
});

describe('dead-letter queue', () => {
  it('moves a message to the DLQ after maxReceiveCount receives, through the queue RedrivePolicy', async () => {
    // Prepare
    const h = await harness((event) => failIds(...event.Records.map((r) => r.messageId)), {
      maxReceiveCount: 2,
    });

    // Act
    await h.send(['poison']);
    const parked = await receiveOne(h.local.sqs, h.local.dlqUrl);
    await h.eventSource.waitUntilIdle();

    // Assess
    expect(parked.Body).toBe('poison');
    expect(h.deliveriesOf('poison')).toEqual([1, 2]);
  });
});

describe('bad input', () => {
  it('never loses a message when the handler keeps throwing on first attempts', async () => {
    // Prepare
    const bodies = Array.from({ length: 25 }, (_, i) => `m${i}`);
    const h = await harness(
      (event) => {
        if (event.Records.some((r) => r.attributes.ApproximateReceiveCount === '1')) throw new Error('flaky');
        return undefined;
      },
      { concurrency: 3 },
    );

    // Act
    await h.send(bodies.slice(0, 10));
    await h.send(bodies.slice(10, 20));
    await h.send(bodies.slice(20));
    await h.eventSource.waitUntilIdle();

    // Assess
    const succeeded = new Set(h.deliveries.filter((d) => d.receiveCount > 1).map((d) => d.body));
    expect([...succeeded].sort()).toEqual([...bodies].sort());
    const { Messages } = await h.local.sqs.send(new ReceiveMessageCommand({ QueueUrl: h.local.dlqUrl }));
    expect(Messages).toBeUndefined();
  });
});
