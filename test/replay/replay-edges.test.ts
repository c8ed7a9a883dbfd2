import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createReplayHandler,
  type ReplayHandlerDeps,
  type ReplayResult,
} from '../../lambdas/replay/create-handler.js';
import { S3ObjectLister } from '../../lambdas/replay/listing.js';
import { type InvocationClock, ReplayEnqueueError, runReplay } from '../../lambdas/replay/replay.js';
import { parseReplayRequest, ReplayInputError, type ReplayRequest } from '../../lambdas/replay/request.js';
import { encodeToken } from '../../lambdas/replay/token.js';
import { type LocalAws, startLocalAws } from '../../local/aws/index.js';
import {
  freshQueue,
  type LandedFixture,
  landedFixture,
  putObjects,
  receiveReplayMessages,
  routingFactory,
  SOURCE,
  sortedKeys,
} from './support.js';

const RESERVE_MS = 1_000;
const FORCED_EPOCH = 1_780_000_000_000;
/** A context whose remaining time is always `ms`. */
const clockAt = (ms: number): InvocationClock => ({ getRemainingTimeInMillis: () => ms });

let aws: LocalAws;
let fixture: LandedFixture;

beforeAll(async () => {
  aws = await startLocalAws({ settings: { notification: { suffix: '.no-notifications' } } });
  // Three CDC files in each of the three tables (and their LOAD files, and the look-alikes).
  fixture = landedFixture(3);
  await putObjects(aws, [
    ...fixture.cdc.map((file) => file.key),
    ...fixture.load.map((file) => file.key),
    ...fixture.foreign,
  ]);
}, 60_000);

afterAll(async () => {
  await aws?.stop();
});

const handlerFor = (queueUrl: string, deps: Partial<ReplayHandlerDeps> = {}) =>
  createReplayHandler({
    s3: aws.s3,
    sqs: aws.sqs,
    bucket: aws.bucket,
    queueUrl,
    routing: routingFactory(),
    reserveMs: RESERVE_MS,
    now: () => FORCED_EPOCH,
    ...deps,
  });

/** Invokes like `dms2bq replay`: again with each continuation token (at most 10 times). */
async function replay(request: ReplayRequest, clock: InvocationClock, deps: Partial<ReplayHandlerDeps> = {}) {
  const queueUrl = await freshQueue(aws.sqs);
  const handler = handlerFor(queueUrl, deps);
  const results: ReplayResult[] = [];
  let continuationToken: string | undefined;
  do {
    const result = await handler({ ...request, ...(continuationToken ? { continuationToken } : {}) }, clock);
    results.push(result);
    continuationToken = 'continuationToken' in result ? result.continuationToken : undefined;
  } while (continuationToken && results.length < 10);
  return { results, messages: await receiveReplayMessages(aws.sqs, queueUrl) };
}

const cdcKeys = () => sortedKeys(fixture.cdc);
/** Per table in route order (crm.users, sales.items, sales.orders): what its CDC segment lists. */
const perTable = [
  { listed: 3, matched: 3, enqueued: 3 },
  { listed: 3, matched: 3, enqueued: 3 },
  // sales.orders also lists the manifest.json and part-0.parquet look-alikes, which do not match.
  { listed: 5, matched: 3, enqueued: 3 },
];

describe('replay: when time is up at the end of a table', () => {
  it('returns a token naming the next table, and none after the last table', async () => {
    // Act: less than the reserve left from the start.
    const { results, messages } = await replay({ source: SOURCE }, clockAt(RESERVE_MS - 1));

    // Assess: each invocation lists one whole table (a replay always makes progress), the last one
    // ends without a token though its time is up too.
    expect(results).toStrictEqual([
      { ...perTable[0], continuationToken: expect.any(String) },
      { ...perTable[1], continuationToken: expect.any(String) },
      perTable[2],
    ]);
    expect(sortedKeys(messages)).toEqual(cdcKeys());
  });

  it('does not start listing the next table, even one with nothing in the window', async () => {
    // Prepare: the first 10 ms of the fixture hold the first file of crm.users (+0 ms) and of
    // sales.items (+7 ms), none of sales.orders (+14 ms).
    const request = { source: SOURCE, from: '2026-03-01T00:00:00.000Z', to: '2026-03-01T00:00:00.010Z' };

    // Act
    const { results, messages } = await replay(request, clockAt(RESERVE_MS - 1));

    // Assess: the empty last table is listed by an invocation of its own.
    const one = { listed: 1, matched: 1, enqueued: 1 };
    expect(results).toStrictEqual([
      { ...one, continuationToken: expect.any(String) },
      { ...one, continuationToken: expect.any(String) },
      { listed: 0, matched: 0, enqueued: 0 },
    ]);
    expect(messages).toHaveLength(2);
  });

  it('goes on with the next table while exactly the reserve is left', async () => {
    // Act
    const { results, messages } = await replay({ source: SOURCE }, clockAt(RESERVE_MS));

    // Assess
    expect(results).toStrictEqual([{ listed: 11, matched: 9, enqueued: 9 }]);
    expect(sortedKeys(messages)).toEqual(cdcKeys());
  });

  it('stops by the reserve it was created with, not the default', async () => {
    // Act: 5 s left is less than the default reserve (10 s), more than this function's (1 s).
    const { results } = await replay({ source: SOURCE }, clockAt(5_000));

    // Assess
    expect(results).toStrictEqual([{ listed: 11, matched: 9, enqueued: 9 }]);
  });

  it('carries the replay epoch of a forced replay in its tokens', async () => {
    // Act
    const { results, messages } = await replay({ source: SOURCE, force: true }, clockAt(RESERVE_MS - 1));

    // Assess
    expect(results).toStrictEqual([
      { ...perTable[0], continuationToken: expect.any(String) },
      { ...perTable[1], continuationToken: expect.any(String) },
      perTable[2],
    ]);
    expect(messages).toHaveLength(9);
    expect(messages.every((message) => message.replayEpoch === FORCED_EPOCH)).toBe(true);
  });
});

describe('replay: continuation token and plan', () => {
  it('rejects a token of this replay that names a segment it does not list', async () => {
    // Prepare: a token with this request's fingerprint, positioned in the LOAD files of
    // sales.orders, which a replay without includeFullLoad does not list.
    const request = { source: SOURCE, table: 'sales.orders' };
    const plan = parseReplayRequest(request, routingFactory());
    const continuationToken = encodeToken(plan, {
      position: { route: `${SOURCE}/sales/orders`, kind: 'load' },
    });

    // Act
    const { results, messages } = await replay({ ...request, continuationToken }, clockAt(300_000));

    // Assess
    expect(results).toStrictEqual([
      {
        error: 'ReplayInputError',
        field: 'continuationToken',
        message: 'continuationToken: names shop/sales/orders (load), which this replay does not list',
      },
    ]);
    expect(messages).toEqual([]);
  });

  it('rejects a plan without tables, naming the source', async () => {
    // Prepare: parseReplayRequest never makes one; runReplay takes any plan.
    const plan = { source: SOURCE, routes: [], includeFullLoad: false, force: false, dryRun: false };
    const deps = {
      lister: new S3ObjectLister(aws.s3, aws.bucket),
      sqs: aws.sqs,
      bucket: aws.bucket,
      queueUrl: await freshQueue(aws.sqs),
    };

    // Act
    const replaying = runReplay(plan, deps, clockAt(300_000));

    // Assess
    await expect(replaying).rejects.toThrow(ReplayInputError);
    await expect(replaying).rejects.toMatchObject({
      field: 'source',
      message: 'source: no tables to replay',
    });
  });
});

describe('replay when SQS keeps failing messages', () => {
  it('retries as the enqueue options it was created with say, then fails with a ReplayEnqueueError', async () => {
    // Prepare: every entry fails without the sender's fault (throttling), every time (scripted:
    // fauxqs cannot be made to).
    const failing = new SQSClient(aws.clientConfig);
    const sqsMock = mockClient(failing);
    sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: [],
      Failed: (input.Entries ?? []).map((entry) => ({
        Id: entry.Id,
        SenderFault: false,
        Code: 'ThrottlingException',
      })),
    }));
    const handler = handlerFor('https://sqs.example/q', {
      sqs: failing,
      enqueue: { maxAttempts: 2, baseDelayMs: 1 },
    });

    // Act
    const error = await handler({ source: SOURCE, table: 'crm.users' }, clockAt(300_000)).catch(
      (caught: unknown) => caught,
    );
    sqsMock.restore();

    // Assess
    expect(error).toBeInstanceOf(ReplayEnqueueError);
    const { name, message, continuationToken } = error as ReplayEnqueueError;
    expect(name).toBe('ReplayEnqueueError');
    expect(message).toBe(
      'SendMessageBatch to https://sqs.example/q failed: 3 message(s) still failing after 2 attempts: ' +
        'ThrottlingException; nothing before it is lost: invoke again with the same input and ' +
        `continuationToken ${continuationToken}`,
    );
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
  });
});
