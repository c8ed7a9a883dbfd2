import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redelivery } from '../../lambdas/loader/redelivery.js';
import { toSqsRecord } from '../../local/aws/event-source/sqs-record.js';
import { type LocalAws, startLocalAws } from '../../local/aws/index.js';
import { capturingLogger } from './logs.js';

/** A policy under the queue's 60 s, so a record visible at once came back because it was permanent. */
const policy = { baseSeconds: 30, maxSeconds: 30 };

/**
 * Redelivery's batching, refusals and queue-URL cache against fauxqs, which keeps SQS's batch rules
 * (1–10 entries, else EmptyBatchRequest / TooManyEntriesInBatchRequest) and answers an unknown
 * receipt handle with a Failed entry. SQS API Reference, ChangeMessageVisibilityBatch
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibilityBatch.html):
 * "You can send up to 10 ChangeMessageVisibility requests with each ChangeMessageVisibilityBatch
 * action" and "you should check for batch errors even when the call returns an HTTP status code of
 * 200". The refusal's Code and Message are fauxqs's; the loader logs whatever SQS says.
 */
describe('Redelivery edges against fauxqs', { timeout: 60_000 }, () => {
  let aws: LocalAws;
  let queues = 0;
  let log: ReturnType<typeof capturingLogger>;

  beforeAll(async () => {
    aws = await startLocalAws({ notifier: { testEvent: false } });
  });
  afterAll(async () => aws?.stop());
  afterEach(() => log?.restore());

  const account = () => aws.queueArn.split(':')[4];
  const arnOf = (name: string) => `arn:aws:sqs:${aws.region}:${account()}:${name}`;

  /** A fresh queue (60 s visibility) whose `count` messages have all been received once. */
  const receivedRecords = async (count: number, name = `redelivery-edges-${++queues}`) => {
    const { QueueUrl: url = '' } = await aws.sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '60' } }),
    );
    for (let start = 0; start < count; start += 10) {
      const Entries = Array.from({ length: Math.min(10, count - start) }, (_, i) => ({
        Id: String(i),
        MessageBody: `{"n":${start + i}}`,
      }));
      await aws.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries }));
    }
    const records: SQSRecord[] = [];
    for (let tries = 0; records.length < count && tries < 50; tries++) {
      const { Messages = [] } = await aws.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      records.push(...Messages.map((message) => toSqsRecord(message, arnOf(name), aws.region)));
    }
    expect(records).toHaveLength(count);
    return { url, records };
  };

  /** How many of the queue's messages a receive gets now (each then hidden for the queue's 60 s). */
  const visibleNow = async (url: string) => {
    let seen = 0;
    for (;;) {
      const { Messages = [] } = await aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) return seen;
      seen += Messages.length;
    }
  };

  const permanent = (records: SQSRecord[]) => records.map((record) => ({ record, permanent: true }));

  it.each([10, 11, 20])('changes all %i failed records of one queue, ten per request', async (count) => {
    // Prepare
    const { url, records } = await receivedRecords(count);
    log = capturingLogger('WARN');

    // Act
    await new Redelivery(aws.sqs, policy, log.logger).schedule(permanent(records));

    // Assess
    expect(log.warnings()).toEqual([]);
    expect(await visibleNow(url)).toBe(count);
  });

  it('logs each entry SQS refused, with its code and message, and changes the others', async () => {
    // Prepare: a record whose message is gone has a receipt handle SQS no longer knows.
    const { url, records } = await receivedRecords(2);
    const [gone, kept] = records as [SQSRecord, SQSRecord];
    await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: gone.receiptHandle }));
    log = capturingLogger('WARN');

    // Act
    await new Redelivery(aws.sqs, policy, log.logger).schedule(permanent([gone, kept]));

    // Assess
    expect(log.warnings()).toMatchObject([
      {
        level: 'WARN',
        message: 'could not shorten a failed record’s visibility; it returns after the queue’s timeout',
        code: 'ReceiptHandleIsInvalid',
        detail: 'The input receipt handle is invalid.',
      },
    ]);
    expect(await visibleNow(url)).toBe(1);
  });

  it('logs a queue it cannot reach with its ARN and asks for the URL again next time', async () => {
    // Prepare: the records' queue does not exist yet, so GetQueueUrl fails.
    const name = `redelivery-edges-late-${++queues}`;
    const { records: elsewhere } = await receivedRecords(1);
    const stray = { ...(elsewhere[0] as SQSRecord), eventSourceARN: arnOf(name) };
    log = capturingLogger('WARN');
    const redelivery = new Redelivery(aws.sqs, policy, log.logger);

    // Act
    await redelivery.schedule(permanent([stray]));
    const { url, records } = await receivedRecords(1, name);
    await redelivery.schedule(permanent(records));

    // Assess
    expect(log.warnings()).toMatchObject([
      {
        level: 'WARN',
        message: 'could not shorten failed records’ visibility; they return after the queue’s timeout',
        queueArn: arnOf(name),
        error: { name: 'QueueDoesNotExist' },
      },
    ]);
    expect(await visibleNow(url)).toBe(1);
  });

  it('asks for a queue’s URL once per container', async () => {
    // Prepare: a client of our own, whose requests a middleware lists by command.
    const { url, records } = await receivedRecords(2);
    const sqs = new SQSClient(aws.clientConfig);
    const commands: string[] = [];
    sqs.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    log = capturingLogger('WARN');
    const redelivery = new Redelivery(sqs, policy, log.logger);

    // Act
    await redelivery.schedule(permanent(records.slice(0, 1)));
    await redelivery.schedule(permanent(records.slice(1)));

    // Assess
    expect(commands).toEqual([
      'GetQueueUrlCommand',
      'ChangeMessageVisibilityBatchCommand',
      'ChangeMessageVisibilityBatchCommand',
    ]);
    expect(await visibleNow(url)).toBe(2);
    sqs.destroy();
  });
});

/**
 * GetQueueUrl's output declares QueueUrl optional; an endpoint answering without one must not become
 * a request to an undefined URL. A local HTTP endpoint answers every SQS call with an empty JSON body.
 */
describe('Redelivery when GetQueueUrl answers no URL', () => {
  let server: Server;
  let sqs: SQSClient;

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    sqs = new SQSClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  afterAll(async () => {
    sqs?.destroy();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('logs the queue’s ARN and that GetQueueUrl gave no URL', async () => {
    // Prepare
    const arn = 'arn:aws:sqs:eu-west-1:123456789012:dms2bq-loader';
    const record = toSqsRecord(
      { MessageId: 'm-1', ReceiptHandle: 'h-1', Body: '{}', Attributes: { ApproximateReceiveCount: '1' } },
      arn,
      'eu-west-1',
    );
    const log = capturingLogger('WARN');

    // Act
    await new Redelivery(sqs, policy, log.logger).schedule([{ record, permanent: false }]);

    // Assess
    const warnings = log.warnings();
    log.restore();
    expect(warnings).toMatchObject([
      {
        message: 'could not shorten failed records’ visibility; they return after the queue’s timeout',
        queueArn: arn,
        error: { message: `GetQueueUrl answered no URL for ${arn}` },
      },
    ]);
  });
});
