import type { SQSClient } from '@aws-sdk/client-sqs';
import { BatchEnqueuer } from '../replay/enqueue.js';
import type { StreamRangeMessage } from '../shared/messages.js';

/**
 * The loader's own queue, for the row-group range messages it sends itself (ADR 0045). They are
 * sent before the record that caused them is acknowledged: if a send fails, the record fails and its
 * next delivery sends them again, and a range delivered twice streams rows the CDC table already
 * holds under the same sequence numbers, which leaves it as it was.
 */
export class FollowUpQueue {
  constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
  ) {}

  async send(messages: readonly StreamRangeMessage[]): Promise<void> {
    const enqueuer = new BatchEnqueuer<number>(this.sqs, this.queueUrl, { concurrency: 4 });
    for (const [index, message] of messages.entries()) await enqueuer.add(JSON.stringify(message), index);
    await enqueuer.flush();
  }
}
