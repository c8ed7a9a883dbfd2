import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplayHandler, type ReplayResult } from '../../lambdas/replay/create-handler.js';
import { type InvocationClock, ReplayEnqueueError, type ReplaySummary } from '../../lambdas/replay/replay.js';
import type { ReplayRequest } from '../../lambdas/replay/request.js';
import type { ReplayMessage } from '../../lambdas/shared/messages.js';
import { type LocalAws, startLocalAws } from '../../local/aws/index.js';
import {
  droppingClock,
  endlessClock,
  freshQueue,
  type LandedFixture,
  landedFixture,
  ordersKeyAt,
  putObjects,
  receiveReplayMessages,
  routingFactory,
  SOURCE,
  sortedKeys,
} from './support.js';

const FROM = new Date('2026-03-02T06:00:00.000Z');
const TO = new Date('2026-03-03T18:30:00.000Z');
/** Files exactly on and 1 ms around both bounds of [FROM, TO). */
const BOUNDARY_KEYS = [-1, 0, 1].flatMap((ms) =>
  [FROM, TO].map((t) => ordersKeyAt(new Date(t.getTime() + ms))),
);
const FORCED_EPOCH = 1_780_000_000_000;

let aws: LocalAws;
let fixture: LandedFixture;
let allCdcKeys: string[];

beforeAll(async () => {
  // Notifications off: these tests look only at what the replay enqueues.
  aws = await startLocalAws({ settings: { notification: { suffix: '.no-notifications' } } });
  fixture = landedFixture(3_300);
  allCdcKeys = [...new Set([...fixture.cdc.map((file) => file.key), ...BOUNDARY_KEYS])];
  await putObjects(aws, [...allCdcKeys, ...fixture.load.map((file) => file.key), ...fixture.foreign]);
}, 300_000);

afterAll(async () => {
  await aws?.stop();
});

/** The replay function; its clock starts at FORCED_EPOCH and moves on by 1 ms whenever it is read. */
const handlerFor = (queueUrl: string) => {
  let clockMs = FORCED_EPOCH;
  return createReplayHandler({
    s3: aws.s3,
    sqs: aws.sqs,
    bucket: aws.bucket,
    queueUrl,
    routing: routingFactory(),
    reserveMs: 1_000,
    now: () => clockMs++,
  });
};

/** Invokes the replay like `dms2bq replay` does: again with each continuation token, a fresh context each time. */
async function replay(request: ReplayRequest, clock: () => InvocationClock = () => endlessClock) {
  const queueUrl = await freshQueue(aws.sqs);
  const handler = handlerFor(queueUrl);
  const results: ReplayResult[] = [];
  let continuationToken: string | undefined;
  do {
    const result = await handler(
      { ...request, ...(continuationToken ? { continuationToken } : {}) },
      clock(),
    );
    results.push(result);
    continuationToken = 'continuationToken' in result ? result.continuationToken : undefined;
  } while (continuationToken);
  return { results, messages: await receiveReplayMessages(aws.sqs, queueUrl) };
}

const ordersIn = (from: Date, to: Date) =>
  allCdcKeys.filter(
    (key) => key.startsWith(`${SOURCE}/sales/orders/`) && key >= ordersKeyAt(from) && key < ordersKeyAt(to),
  );

const total = (results: ReplayResult[], field: keyof Omit<ReplaySummary, 'continuationToken'>) =>
  results.reduce((sum, result) => sum + ('error' in result ? 0 : result[field]), 0);

describe('replay against the local runtime (10,000 landed keys)', () => {
  it('enqueues exactly the CDC files written in [from, to): from inclusive, to exclusive', async () => {
    // Prepare
    const expected = ordersIn(FROM, TO);

    // Act
    const { results, messages } = await replay({
      source: SOURCE,
      table: 'sales.orders',
      from: FROM.toISOString(),
      to: TO.toISOString(),
    });

    // Assess
    expect(sortedKeys(messages)).toEqual(expected.sort());
    expect(expected).toContain(ordersKeyAt(FROM));
    expect(expected).not.toContain(ordersKeyAt(TO));
    expect(expected).toContain(ordersKeyAt(new Date(TO.getTime() - 1)));
    expect(results).toEqual([
      { listed: expected.length + 2, matched: expected.length, enqueued: expected.length },
    ]);
  });

  it('lists only the date folders within the range, not the whole table', async () => {
    // Prepare
    const from = new Date('2026-03-03T00:00:00.000Z');
    const to = new Date('2026-03-03T01:00:00.000Z');

    // Act
    const { results } = await replay({
      source: SOURCE,
      table: 'sales.orders',
      from: from.toISOString(),
      to: to.toISOString(),
    });

    // Assess
    expect(results).toEqual([
      {
        listed: ordersIn(from, to).length,
        matched: ordersIn(from, to).length,
        enqueued: ordersIn(from, to).length,
      },
    ]);
  });

  it.each([
    { includeFullLoad: false, loadFiles: 0, label: 'no' },
    { includeFullLoad: true, loadFiles: 11, label: 'all 11' },
  ])(
    'enqueues $label LOAD files when includeFullLoad is $includeFullLoad',
    async ({ includeFullLoad, loadFiles }) => {
      // Act
      const { messages } = await replay({
        source: SOURCE,
        table: 'crm.users',
        from: '2026-03-04',
        includeFullLoad,
      });

      // Assess
      const load = sortedKeys(messages).filter((key) => /\/LOAD[0-9A-F]{8}\.parquet$/.test(key));
      expect(load).toEqual(
        fixture.load
          .filter((file) => file.table === 'crm.users')
          .map((file) => file.key)
          .slice(0, loadFiles)
          .sort(),
      );
    },
  );

  it('resumes after a simulated timeout without losing or repeating a file', async () => {
    // Prepare
    const expected = [...allCdcKeys, ...fixture.load.map((file) => file.key)].sort();
    const clock = () => droppingClock(4_000, 200);

    // Act
    const { results, messages } = await replay({ source: SOURCE, includeFullLoad: true }, clock);

    // Assess
    expect(results.length).toBeGreaterThan(3);
    expect(sortedKeys(messages)).toEqual(expected);
    expect(total(results, 'enqueued')).toBe(expected.length);
    expect(total(results, 'listed')).toBe(expected.length + 2);
  });

  it('stamps one replay epoch on every message of a forced replay, across invocations', async () => {
    // Prepare
    const clock = () => droppingClock(3_000, 200);

    // Act
    const { results, messages } = await replay({ source: SOURCE, table: 'sales.items', force: true }, clock);

    // Assess
    expect(results.length).toBeGreaterThan(1);
    expect(new Set(messages.map((message) => message.replayEpoch))).toEqual(new Set([FORCED_EPOCH]));
  });

  it('sends replay messages with the ETag and no replay epoch when not forced', async () => {
    // Act
    const { messages } = await replay({
      source: SOURCE,
      table: 'sales.orders',
      from: FROM.toISOString(),
      to: '2026-03-02T06:10:00Z',
    });

    // Assess
    expect(messages[0]).toEqual({
      type: 'dms2bq.replay',
      version: 1,
      bucket: aws.bucket,
      key: ordersKeyAt(FROM),
      etag: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  it('counts the files of a dry run and enqueues nothing', async () => {
    // Act
    const { results, messages } = await replay({
      source: SOURCE,
      table: 'sales.orders',
      from: FROM.toISOString(),
      to: TO.toISOString(),
      dryRun: true,
    });

    // Assess
    expect(messages).toEqual([]);
    expect(results).toEqual([
      { listed: ordersIn(FROM, TO).length + 2, matched: ordersIn(FROM, TO).length, enqueued: 0 },
    ]);
  });
});

describe('replay when SQS refuses messages', () => {
  it('fails with a continuation token from which nothing is lost', async () => {
    // Prepare: a client whose third SendMessageBatch is refused (scripted: fauxqs cannot be made to).
    const expected = ordersIn(FROM, TO);
    const refusing = new SQSClient(aws.clientConfig);
    const sqsMock = mockClient(refusing);
    const accepted: string[] = [];
    let calls = 0;
    sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
      const entries = input.Entries ?? [];
      if (++calls === 3)
        return { Successful: [], Failed: [{ Id: '0', SenderFault: true, Code: 'InvalidMessageContents' }] };
      for (const entry of entries) accepted.push((JSON.parse(entry.MessageBody ?? '') as ReplayMessage).key);
      return {
        Successful: entries.map((entry) => ({ Id: entry.Id, MessageId: 'm', MD5OfMessageBody: 'x' })),
        Failed: [],
      };
    });
    const request = { source: SOURCE, table: 'sales.orders', from: FROM.toISOString(), to: TO.toISOString() };
    const failing = createReplayHandler({
      s3: aws.s3,
      sqs: refusing,
      bucket: aws.bucket,
      queueUrl: 'https://sqs.example/q',
      routing: routingFactory(),
    });
    const failure = await failing(request, endlessClock).catch(
      (error: unknown) => error as ReplayEnqueueError,
    );
    sqsMock.restore();

    // Act
    const { messages } = await replay({
      ...request,
      continuationToken: (failure as ReplayEnqueueError).continuationToken,
    });

    // Assess
    expect(failure).toBeInstanceOf(ReplayEnqueueError);
    expect(new Set([...accepted, ...sortedKeys(messages)])).toEqual(new Set(expected));
    expect(sortedKeys(messages)[0]).toBe([...expected].sort()[20]);
  });
});

describe('replay input', () => {
  it.each([
    { field: 'source', request: { source: 'nope' } },
    { field: 'source', request: { table: 'sales.orders' } },
    { field: 'table', request: { source: SOURCE, table: 'sales.returns' } },
    { field: 'table', request: { source: SOURCE, table: 'orders' } },
    { field: 'from', request: { source: SOURCE, from: '2026-03-02T00:00:00Z', to: '2026-03-02T00:00:00Z' } },
    { field: 'from', request: { source: SOURCE, from: '2026-03-03', to: '2026-03-02' } },
    { field: 'from', request: { source: SOURCE, from: '2026-03-02 10:00' } },
    { field: 'to', request: { source: SOURCE, to: '2026-02-30' } },
    { field: 'to', request: { source: SOURCE, to: '2026-03-02T10:00:00+02:00' } },
    { field: 'force', request: { source: SOURCE, force: 'yes' } },
    { field: 'form', request: { source: SOURCE, form: '2026-03-02' } },
    { field: 'continuationToken', request: { source: SOURCE, continuationToken: 'garbage' } },
  ])('rejects bad $field with an error naming it and enqueues nothing: %j', async ({ field, request }) => {
    // Act
    const { results, messages } = await replay(request as unknown as ReplayRequest);

    // Assess
    expect(results).toEqual([
      { error: 'ReplayInputError', field, message: expect.stringMatching(new RegExp(`^${field}: `)) },
    ]);
    expect(messages).toEqual([]);
  });

  it('rejects a continuation token of a replay with other parameters', async () => {
    // Prepare
    const handler = handlerFor(await freshQueue(aws.sqs));
    const first = (await handler(
      { source: SOURCE, table: 'sales.items' },
      droppingClock(10_000, 5_000),
    )) as ReplaySummary;

    // Act
    const { results: resumed } = await replay({
      source: SOURCE,
      table: 'sales.orders',
      continuationToken: first.continuationToken as string,
    });

    // Assess
    expect(resumed).toEqual([
      {
        error: 'ReplayInputError',
        field: 'continuationToken',
        message: expect.stringContaining('other parameters'),
      },
    ]);
  });
});
