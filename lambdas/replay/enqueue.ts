import { type BatchResultErrorEntry, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** SQS accepts at most 10 entries per SendMessageBatch. */
export const SQS_BATCH_SIZE = 10;
/** Calls in flight: at ~10–20 ms per call in AWS, about 10,000 messages/s; 16 × 10 bodies stay small. */
export const DEFAULT_SEND_CONCURRENCY = 16;

export interface EnqueueOptions {
  /** SendMessageBatch calls in flight at once. */
  concurrency?: number;
  /** Attempts per entry that SQS reports as failed without the sender's fault (throttling, internal). */
  maxAttempts?: number;
  baseDelayMs?: number;
}

/** Messages SQS did not take; `resumeFrom` is the mark of the earliest message that may be missing. */
export class EnqueueError<Mark> extends Error {
  override name = 'EnqueueError';
  constructor(
    message: string,
    readonly resumeFrom: Mark,
  ) {
    super(message);
  }
}

interface Entry<Mark> {
  body: string;
  mark: Mark;
}

/**
 * Sends message bodies to one queue in batches of 10 with several batches in flight; memory stays
 * bounded because `add` waits while `concurrency` batches are in flight. Each body carries a `Mark`
 * (the caller's resume position before it), so after a failure the caller knows the earliest point
 * from which everything may not have been sent.
 */
export class BatchEnqueuer<Mark> {
  /** Messages SQS accepted. */
  enqueued = 0;
  private buffer: Entry<Mark>[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { sequence: number; mark: Mark; error: unknown } | undefined;
  private sequence = 0;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    options: EnqueueOptions = {},
  ) {
    this.concurrency = options.concurrency ?? DEFAULT_SEND_CONCURRENCY;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 100;
  }

  async add(body: string, mark: Mark): Promise<void> {
    if (this.failure) await this.flush();
    this.buffer.push({ body, mark });
    if (this.buffer.length === SQS_BATCH_SIZE) await this.dispatch();
  }

  /** Sends what is buffered and waits for every batch; throws `EnqueueError` if any batch failed. */
  async flush(): Promise<void> {
    if (this.buffer.length > 0) await this.dispatch();
    await this.settle();
    const failure = this.failure;
    if (failure) {
      const reason = failure.error instanceof Error ? failure.error.message : String(failure.error);
      throw new EnqueueError(`SendMessageBatch to ${this.queueUrl} failed: ${reason}`, failure.mark);
    }
  }

  /** Waits for the batches in flight without sending the buffer or reporting failures. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async dispatch(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    const sequence = this.sequence++;
    const sending: Promise<void> = this.send(batch)
      .catch((error: unknown) => {
        const mark = batch[0]?.mark;
        if (mark !== undefined && (!this.failure || sequence < this.failure.sequence)) {
          this.failure = { sequence, mark, error };
        }
      })
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  private async send(batch: Entry<Mark>[]): Promise<void> {
    let pending = batch.map((entry, index) => ({ Id: String(index), MessageBody: entry.body }));
    for (let attempt = 1; ; attempt++) {
      const response = await this.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
      );
      this.enqueued += response.Successful?.length ?? 0;
      const failed = response.Failed ?? [];
      const [firstFailed] = failed;
      if (firstFailed === undefined) return;
      const permanent = failed.find((entry) => entry.SenderFault);
      if (permanent) throw new Error(`SQS rejected a message: ${describe(permanent)}`);
      if (attempt >= this.maxAttempts) {
        throw new Error(
          `${failed.length} message(s) still failing after ${attempt} attempts: ${describe(firstFailed)}`,
        );
      }
      const retry = new Set(failed.map((entry) => entry.Id));
      pending = pending.filter((entry) => retry.has(entry.Id));
      await new Promise((resolve) => setTimeout(resolve, this.baseDelayMs * 2 ** (attempt - 1)));
    }
  }
}

const describe = (entry: BatchResultErrorEntry): string =>
  `${entry.Code ?? 'unknown'}${entry.Message ? ` (${entry.Message})` : ''}`;
