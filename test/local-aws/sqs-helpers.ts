import { type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Drains every visible message (hiding each for a minute so none is seen twice), in the queue's order. */
export async function receiveAll(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const received: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return received;
    received.push(...Messages);
  }
}

/** Long-polls until a message arrives (the caller's test timeout bounds the wait). */
export async function receiveOne(sqs: SQSClient, queueUrl: string): Promise<Message> {
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages[0]) return Messages[0];
  }
}

export function bodies(messages: readonly Message[]): unknown[] {
  return messages.map((message) => JSON.parse(message.Body ?? 'null'));
}
