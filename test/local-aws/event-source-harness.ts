import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  type EventSource,
  type LocalAws,
  type SqsEventSourceOptions,
  startLocalAws,
  startSqsEventSource,
} from '../../local/aws/index.js';

/** One record as the handler saw it, with the delivery attempt SQS reported. */
export interface Delivery {
  body: string;
  receiveCount: number;
  record: SQSRecord;
}

export type Decide = (
  event: SQSEvent,
  context: Context,
  invocation: number,
) => Promise<SQSBatchResponse | undefined> | SQSBatchResponse | undefined;

export interface Harness {
  local: LocalAws;
  eventSource: EventSource;
  deliveries: Delivery[];
  contexts: Context[];
  send(bodies: string[]): Promise<string[]>;
  deliveriesOf(body: string): number[];
  stop(): Promise<void>;
}

/** A local AWS with fast retries (1 s visibility) and an event source calling `decide`. */
export async function startHarness(
  decide: Decide,
  options: Partial<Omit<SqsEventSourceOptions, 'handler'>> & { maxReceiveCount?: number } = {},
): Promise<Harness> {
  const { maxReceiveCount = 5, ...eventSourceOptions } = options;
  const local = await startLocalAws({
    settings: { loaderQueue: { visibilityTimeoutSeconds: 1, maxReceiveCount } },
    notifier: { testEvent: false },
  });
  const deliveries: Delivery[] = [];
  const contexts: Context[] = [];
  let invocation = 0;
  const eventSource = startSqsEventSource({
    sqs: local.sqs,
    queueUrl: local.queueUrl,
    queueArn: local.queueArn,
    region: local.region,
    batchSize: 10,
    maximumBatchingWindowMs: 0,
    concurrency: 1,
    functionTimeoutMs: 5_000,
    ...eventSourceOptions,
    handler: async (event, context) => {
      contexts.push(context);
      for (const record of event.Records) {
        deliveries.push({
          body: record.body,
          receiveCount: Number(record.attributes.ApproximateReceiveCount),
          record,
        });
      }
      return decide(event, context, ++invocation);
    },
  });
  return {
    local,
    eventSource,
    deliveries,
    contexts,
    send: async (bodies) => {
      const { Successful = [] } = await local.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: local.queueUrl,
          Entries: bodies.map((MessageBody, index) => ({ Id: String(index), MessageBody })),
        }),
      );
      return Successful.map((entry) => entry.MessageId ?? '');
    },
    deliveriesOf: (body) => deliveries.filter((d) => d.body === body).map((d) => d.receiveCount),
    stop: async () => {
      await eventSource.stop();
      await local.stop();
    },
  };
}

/** A promise the test resolves by hand, e.g. to release a handler it kept waiting. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
