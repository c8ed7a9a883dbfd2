import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  type ChangeMessageVisibilityBatchRequestEntry,
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createLoaderHandler,
  type FileOutcomeEvent,
  type LoaderDeps,
} from '../../lambdas/loader/create-handler.js';
import { streamRangeMessage } from '../../lambdas/shared/messages.js';
import { toSqsRecord } from '../../local/aws/event-source/sqs-record.js';
import { lambdaContext } from './context.js';
import { dmsParquet, routing, s3Notification, sqsRecord } from './fixtures.js';
import { cdcKeyAt, LOCATION, type LoaderHarness, startLoaderHarness } from './harness.js';
import { captureConsole } from './logs.js';

/** A logger at INFO whose lines the console capture reads (POWERTOOLS_DEV sends them to the console). */
function infoLogger(): Logger {
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  return new Logger({ serviceName: 'dms2bq-loader-test', logLevel: 'INFO' });
}

/** A context whose remaining time stands still, so that with a pinned `now` the deadline is exact. */
const frozenContext = (remainingMs: number): Context => ({
  ...lambdaContext(remainingMs),
  getRemainingTimeInMillis: () => remainingMs,
});

const PINNED_NOW = Date.parse('2024-03-27T02:00:00.000Z');
/** More than the default 30 s a file needs to start, plus the 3 s kept back. */
const TIME_ENOUGH = 120_000;

describe('createLoaderHandler edges', { timeout: 60_000 }, () => {
  let harness: LoaderHarness;
  const silent = new Logger({ logLevel: 'SILENT' });

  beforeAll(async () => {
    harness = await startLoaderHarness();
    for (const n of [1, 2, 3, 4, 5]) await harness.put(cdcKeyAt(n), dmsParquet({ rows: 5 }));
  });

  afterAll(async () => {
    await harness?.stop();
  });

  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  /** The handler with the harness's stand-ins and no SQS (no redelivery, no follow-ups). */
  const handlerWith = (deps: Partial<LoaderDeps> = {}) =>
    createLoaderHandler({
      routing,
      s3: harness.aws.s3,
      bigquery: harness.bigquery,
      location: LOCATION,
      logger: silent,
      metrics: new Metrics({ namespace: 'dms2bq-test' }),
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      ...deps,
    });

  const freshQueue = async (name: string) => {
    const { QueueUrl } = await harness.aws.sqs.send(
      new CreateQueueCommand({ QueueName: `${name}-${Math.random().toString(36).slice(2, 8)}` }),
    );
    if (!QueueUrl) throw new Error('fauxqs answered no queue URL');
    const queueName = QueueUrl.split('/').pop() ?? '';
    return { url: QueueUrl, arn: harness.aws.queueArn.replace(/[^:]+$/, queueName) };
  };

  const receiveAll = async (queueUrl: string) =>
    (
      await harness.aws.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
        }),
      )
    ).Messages ?? [];

  describe('settings', () => {
    it.each([0, -1, 1.5, Number.NaN])('refuses fileConcurrency %s, naming the setting', (fileConcurrency) => {
      // Act
      const create = () => handlerWith({ fileConcurrency });

      // Assess
      expect(create).toThrow(new Error(`fileConcurrency must be a positive integer, got ${fileConcurrency}`));
    });

    it('loads with fileConcurrency 1, one file at a time', async () => {
      // Prepare
      const handler = handlerWith({ fileConcurrency: 1 });

      // Act
      const response = await handler(
        { Records: [sqsRecord(s3Notification(harness.aws.bucket, cdcKeyAt(1)))] },
        lambdaContext(TIME_ENOUGH),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([]);
    });

    it('refuses a queueUrl without the SQS client that sends to it', () => {
      // Act
      const create = () => handlerWith({ queueUrl: 'http://sqs.local/000000000000/loader' });

      // Assess
      expect(create).toThrow(new Error('queueUrl needs sqs: the loader sends range messages with it'));
    });
  });

  describe('without a logger or metrics of its own', () => {
    it('logs as dms2bq-loader and counts an unreadable message in the dms2bq namespace', async () => {
      // Prepare: dev mode sends logs and EMF to the console; it disables metrics unless told otherwise.
      vi.stubEnv('POWERTOOLS_DEV', 'true');
      vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
      vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
      vi.stubEnv('POWERTOOLS_SERVICE_NAME', '');
      vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', '');
      const output = captureConsole();
      const handler = createLoaderHandler({
        routing,
        s3: harness.aws.s3,
        bigquery: harness.bigquery,
        location: LOCATION,
      });
      const testEvent = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'landing' });

      // Act
      const response = await handler(
        { Records: [sqsRecord(testEvent, 'test-event'), sqsRecord('not json', 'garbled')] },
        lambdaContext(TIME_ENOUGH),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'garbled' }]);
      const logs = output.logs();
      expect(logs.map(({ method, line }) => [method, line.message, line.messageId, line.service])).toEqual([
        ['info', 'S3 test event acknowledged', 'test-event', 'dms2bq-loader'],
        ['error', 'unreadable message', 'garbled', 'dms2bq-loader'],
      ]);
      expect(logs[1]?.line.error).toMatchObject({
        name: 'MessageFormatError',
        message: expect.stringContaining('message body is not JSON'),
      });
      const [failure, ...more] = output.emf();
      expect(more).toEqual([]);
      expect(failure).toMatchObject({
        service: 'dms2bq-loader',
        source: 'unknown',
        table: 'unknown',
        reason: 'MessageFormatError',
        FileFailures: 1,
        _aws: { CloudWatchMetrics: [{ Namespace: 'dms2bq', Metrics: [{ Name: 'FileFailures' }] }] },
      });
    });
  });

  describe('the time left when a file comes up', () => {
    const MIN_TIME_TO_START = 30_000;
    const RESERVE = 1_000;

    it('starts a file whose time left is exactly minTimeToStartMs', async () => {
      // Prepare
      const handler = handlerWith({
        minTimeToStartMs: MIN_TIME_TO_START,
        reserveMs: RESERVE,
        now: () => PINNED_NOW,
      });

      // Act
      const response = await handler(
        { Records: [sqsRecord(s3Notification(harness.aws.bucket, cdcKeyAt(2)))] },
        frozenContext(MIN_TIME_TO_START + RESERVE),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([]);
    });

    it('works on a range whose time left is exactly minTimeToStartMs instead of sending it again', async () => {
      // Prepare
      const queue = await freshQueue('follow-ups');
      const handler = handlerWith({
        minTimeToStartMs: MIN_TIME_TO_START,
        reserveMs: RESERVE,
        now: () => PINNED_NOW,
        sqs: harness.aws.sqs,
        queueUrl: queue.url,
      });
      const range = streamRangeMessage({
        bucket: harness.aws.bucket,
        key: cdcKeyAt(3),
        etag: 'abc123',
        rowGroups: { start: 0, end: 1 },
      });

      // Act
      await handler(
        { Records: [sqsRecord(JSON.stringify(range))] },
        frozenContext(MIN_TIME_TO_START + RESERVE),
      );

      // Assess
      expect(await receiveAll(queue.url)).toEqual([]);
    });

    it('sends a range short of time back to the queue as a new message, and says so', async () => {
      // Prepare
      const queue = await freshQueue('follow-ups');
      const output = captureConsole();
      const handler = handlerWith({
        minTimeToStartMs: MIN_TIME_TO_START,
        sqs: harness.aws.sqs,
        queueUrl: queue.url,
        logger: infoLogger(),
      });
      const range = streamRangeMessage({
        bucket: harness.aws.bucket,
        key: cdcKeyAt(3),
        etag: 'abc123',
        rowGroups: { start: 2, end: 4 },
      });

      // Act
      const response = await handler(
        { Records: [sqsRecord(JSON.stringify(range))] },
        lambdaContext(MIN_TIME_TO_START - 10_000),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect((await receiveAll(queue.url)).map((message) => JSON.parse(message.Body ?? ''))).toEqual([range]);
      expect(output.logs()).toMatchObject([
        {
          method: 'info',
          line: {
            message: 'range not started for lack of time; sent again as a new message',
            key: cdcKeyAt(3),
            rowGroups: { start: 2, end: 4 },
          },
        },
      ]);
    });
    it('leaves a whole file short of time for SQS to deliver again, and says so', async () => {
      // Prepare
      const output = captureConsole();
      const handler = handlerWith({ minTimeToStartMs: MIN_TIME_TO_START, logger: infoLogger() });
      const key = cdcKeyAt(4);

      // Act
      const response = await handler(
        { Records: [sqsRecord(s3Notification(harness.aws.bucket, key), 'late-file')] },
        lambdaContext(MIN_TIME_TO_START - 10_000),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'late-file' }]);
      expect(output.logs()).toMatchObject([
        {
          method: 'info',
          line: {
            message: 'file not started for lack of time; SQS delivers it again',
            key,
            error: expect.stringMatching(
              new RegExp(`^${key}: not started, \\d+ ms left; it will come back$`),
            ),
          },
        },
      ]);
    });
  });

  describe('a failed file', () => {
    it('is logged as going to the DLQ at once when no retry can fix it, and as coming back otherwise', async () => {
      // Prepare: a key DMS would not write fails for good, an unmapped table the transient way.
      const output = captureConsole();
      const handler = handlerWith({ logger: infoLogger() });
      const forGood = 'casino_a/game/bets/notes.parquet';
      const unmapped = 'casino_a/game/unmapped/2024/03/27/20240327-014302000.parquet';

      // Act
      const response = await handler(
        {
          Records: [
            sqsRecord(s3Notification(harness.aws.bucket, forGood), 'for-good'),
            sqsRecord(s3Notification(harness.aws.bucket, unmapped), 'transient'),
          ],
        },
        lambdaContext(TIME_ENOUGH),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([
        { itemIdentifier: 'for-good' },
        { itemIdentifier: 'transient' },
      ]);
      const errors = output.logs().filter(({ method }) => method === 'error');
      expect(errors.map(({ line }) => [line.key, line.message, line.permanent])).toEqual([
        [
          forGood,
          'file failed for a reason no retry can fix; it goes to the DLQ without another load job',
          true,
        ],
        [
          unmapped,
          'file failed; the record comes back after a backoff, and rests in the DLQ after 5 deliveries',
          false,
        ],
      ]);
    });
  });

  describe('what the handler tells onFileOutcome', () => {
    it('gives a loaded file its freshness, and a duplicate delivery none', async () => {
      // Prepare: the file's newest change is at 01:43:07 (5 rows, a second apart from 01:43:03).
      const events: FileOutcomeEvent[] = [];
      const handler = handlerWith({ now: () => PINNED_NOW, onFileOutcome: (event) => events.push(event) });
      const key = cdcKeyAt(4);
      const body = s3Notification(harness.aws.bucket, key);

      // Act
      await handler({ Records: [sqsRecord(body)] }, frozenContext(60_000));
      await handler({ Records: [sqsRecord(body)] }, frozenContext(60_000));

      // Assess
      const dimensions = { key, source: 'casino_a', table: 'bets', rows: 5 };
      expect(events).toStrictEqual([
        { ...dimensions, status: 'loaded', freshnessMs: PINNED_NOW - Date.parse('2024-03-27T01:43:07.000Z') },
        { ...dimensions, status: 'duplicate' },
      ]);
    });
  });

  describe('redelivery of the failed records of a batch', () => {
    /** A production SQS client to fauxqs that keeps the entries of its ChangeMessageVisibilityBatch calls. */
    function recordingClient() {
      const sqs = new SQSClient(harness.aws.clientConfig);
      const entries: ChangeMessageVisibilityBatchRequestEntry[] = [];
      sqs.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'ChangeMessageVisibilityBatchCommand') {
            entries.push(
              ...((args.input as { Entries?: ChangeMessageVisibilityBatchRequestEntry[] }).Entries ?? []),
            );
          }
          return next(args);
        },
        { step: 'initialize', name: 'recordVisibilityChanges' },
      );
      return { sqs, entries };
    }

    it('makes a record failed for good visible at once, backs off a transient one, and leaves the loaded one alone', async () => {
      // Prepare
      const queue = await freshQueue('loader');
      const bodies = {
        loaded: s3Notification(harness.aws.bucket, cdcKeyAt(5)),
        forGood: s3Notification(harness.aws.bucket, 'casino_a/game/bets/notes.parquet'),
        transient: s3Notification(
          harness.aws.bucket,
          'casino_a/game/unmapped/2024/03/27/20240327-014302000.parquet',
        ),
      };
      for (const body of Object.values(bodies)) {
        await harness.aws.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
      }
      // SQS may answer a receive with fewer messages than it holds: receive until all three are in.
      const records: SQSRecord[] = [];
      for (let batch = await receiveAll(queue.url); batch.length > 0; batch = await receiveAll(queue.url)) {
        records.push(...batch.map((message) => toSqsRecord(message, queue.arn, harness.aws.region)));
      }
      const handleOf = (body: string) => records.find((record) => record.body === body)?.receiptHandle;
      const { sqs, entries } = recordingClient();
      // Receive 1, random 0: the lower end of a 10 s backoff's equal jitter, 5 s.
      const handler = handlerWith({ sqs, redelivery: { baseSeconds: 10, maxSeconds: 10 }, random: () => 0 });

      // Act
      const response = await handler({ Records: records }, lambdaContext(TIME_ENOUGH));

      // Assess
      expect(records).toHaveLength(3);
      expect(response.batchItemFailures).toHaveLength(2);
      expect(
        entries.map(({ ReceiptHandle, VisibilityTimeout }) => ({ ReceiptHandle, VisibilityTimeout })),
      ).toEqual(
        expect.arrayContaining([
          { ReceiptHandle: handleOf(bodies.forGood), VisibilityTimeout: 0 },
          { ReceiptHandle: handleOf(bodies.transient), VisibilityTimeout: 5 },
        ]),
      );
      expect(entries).toHaveLength(2);
    });
  });
});
