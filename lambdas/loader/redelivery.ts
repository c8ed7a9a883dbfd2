import type { Logger } from '@aws-lambda-powertools/logger';
import { ChangeMessageVisibilityBatchCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { pipelineSettings } from '../shared/pipeline-settings.js';

/**
 * When a failed record comes back. Left alone it would wait out the queue's visibility timeout
 * (1,800 s: 6 × the function timeout, AWS's guidance for Lambda event sources), far past the
 * freshness target for a failure that heals itself in seconds. So the loader shortens the failed
 * message's visibility with ChangeMessageVisibility, exponentially in its ApproximateReceiveCount:
 * 10, 20, 40, 80, 160 s (capped), each with "equal jitter" (uniformly between half and all of it) so
 * that the files of one BigQuery outage do not all come back in the same second. With
 * maxReceiveCount 5 a transient failure is retried after ≤ 10 s and the fifth delivery happens within
 * 150 s; a file that keeps failing reaches the DLQ about 5 minutes after its first delivery.
 * A failure no retry can fix (`permanent`) comes back at once: its later deliveries insert no
 * load job, they only walk it to the DLQ, which pages.
 */
export interface RedeliveryPolicy {
  baseSeconds: number;
  maxSeconds: number;
}

export const DEFAULT_REDELIVERY: RedeliveryPolicy = pipelineSettings.loaderQueue.redelivery;

/** SQS takes whole seconds, 0 … 43,200. */
export function redeliveryDelaySeconds(
  receiveCount: number,
  policy: RedeliveryPolicy,
  random: () => number = Math.random,
): number {
  // A missing or odd count (a hand-made event) counts as the first receive.
  const attempt = Number.isFinite(receiveCount) ? Math.max(1, Math.floor(receiveCount)) - 1 : 0;
  const ceiling = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.min(attempt, 20));
  const floor = Math.ceil(ceiling / 2);
  return Math.min(43_200, floor + Math.floor(random() * (ceiling - floor + 1)));
}

export interface FailedRecord {
  record: SQSRecord;
  permanent: boolean;
}

const SQS_BATCH_LIMIT = 10;

/**
 * Sets each failed record's visibility. The queue URL comes from the record's ARN through
 * GetQueueUrl (the event source mapping's grant includes it and ChangeMessageVisibility), once per
 * queue and cold start. A refused change is logged and harmless: the record then comes back after
 * the queue's own visibility timeout, as it did before.
 */
export class Redelivery {
  private readonly urls = new Map<string, Promise<string>>();

  constructor(
    private readonly sqs: SQSClient,
    private readonly policy: RedeliveryPolicy,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {}

  async schedule(failed: readonly FailedRecord[]): Promise<void> {
    // Node 20 has no Map.groupBy.
    const byQueue = new Map<string, FailedRecord[]>();
    for (const entry of failed) {
      const arn = entry.record.eventSourceARN;
      byQueue.set(arn, [...(byQueue.get(arn) ?? []), entry]);
    }
    for (const [arn, entries] of byQueue) {
      try {
        const QueueUrl = await this.queueUrl(arn);
        for (let start = 0; start < entries.length; start += SQS_BATCH_LIMIT) {
          const Entries = entries.slice(start, start + SQS_BATCH_LIMIT).map(({ record, permanent }, i) => ({
            Id: String(i),
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: permanent
              ? 0
              : redeliveryDelaySeconds(
                  Number(record.attributes.ApproximateReceiveCount),
                  this.policy,
                  this.random,
                ),
          }));
          const result = await this.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl, Entries }));
          for (const refused of result.Failed ?? []) {
            this.logger.warn(
              'could not shorten a failed record’s visibility; it returns after the queue’s timeout',
              {
                code: refused.Code,
                detail: refused.Message,
              },
            );
          }
        }
      } catch (error) {
        this.urls.delete(arn);
        this.logger.warn(
          'could not shorten failed records’ visibility; they return after the queue’s timeout',
          {
            queueArn: arn,
            error: error as Error,
          },
        );
      }
    }
  }

  private queueUrl(arn: string): Promise<string> {
    let url = this.urls.get(arn);
    if (!url) {
      // arn:aws:sqs:<region>:<account>:<name>
      const [, , , , account, name] = arn.split(':');
      url = this.sqs
        .send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }))
        .then(({ QueueUrl }) => {
          if (!QueueUrl) throw new Error(`GetQueueUrl answered no URL for ${arn}`);
          return QueueUrl;
        });
      this.urls.set(arn, url);
    }
    return url;
  }
}
