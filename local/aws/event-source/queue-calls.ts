import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

const SQS_BATCH_LIMIT = 10;

/** Deletes processed messages; returns how many deletions SQS refused (those messages come back later). */
export async function deleteMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly Message[],
): Promise<number> {
  let refused = 0;
  for (const chunk of chunks(messages)) {
    const Entries = chunk.map((message, index) => ({
      Id: String(index),
      ReceiptHandle: message.ReceiptHandle,
    }));
    try {
      const result = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries }));
      refused += result.Failed?.length ?? 0;
    } catch {
      refused += chunk.length;
    }
  }
  return refused;
}

/** Makes received messages visible again at once instead of after their visibility timeout. */
export async function releaseMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly Message[],
): Promise<void> {
  for (const chunk of chunks(messages)) {
    const Entries = chunk.map((message, index) => ({
      Id: String(index),
      ReceiptHandle: message.ReceiptHandle,
      VisibilityTimeout: 0,
    }));
    await sqs
      .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries }))
      .catch(() => undefined);
  }
}

/** Messages visible, in flight and delayed: zero means nothing is left to deliver. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Object.values(Attributes).reduce((sum, value) => sum + Number(value), 0);
}

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += SQS_BATCH_LIMIT) {
    result.push(items.slice(start, start + SQS_BATCH_LIMIT));
  }
  return result;
}
