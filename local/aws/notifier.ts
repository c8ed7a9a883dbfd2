import { randomUUID } from 'node:crypto';
import {
  type NotifierOptions,
  planDeliveries,
  type Random,
  seededRandom,
  validateNotifierOptions,
} from './delivery-plan.js';
import {
  type NotificationContext,
  type ObjectCreated,
  objectCreatedNotification,
  Sequencer,
  testEvent,
} from './s3-event.js';

export interface S3NotifierConfig {
  /** Puts up to 10 message bodies into the loader queue, in order; rejects if SQS refuses any. */
  sendBatch: (bodies: readonly string[]) => Promise<void>;
  bucket: string;
  suffix: string;
  context: NotificationContext;
  options?: NotifierOptions;
}

const DEFAULT_SHUFFLE_WINDOW_MS = 100;
const SQS_BATCH_LIMIT = 10;

export class NotificationDeliveryError extends Error {
  override name = 'NotificationDeliveryError';
}

/**
 * Plays S3's part of the bucket notification: one event per created `.parquet` object, sent to the
 * loader queue with at-least-once quirks on demand. Sends are chained so that the planned order is
 * the order the queue receives, and so that `drained()` can wait for everything produced so far.
 */
export class S3Notifier {
  readonly #config: S3NotifierConfig;
  readonly #options: NotifierOptions;
  readonly #random: Random;
  readonly #sequencer = new Sequencer();
  readonly #windowMs: number;
  #pending: string[] = [];
  #resolving = new Set<Promise<void>>();
  #flushTimer: NodeJS.Timeout | undefined;
  #flushScheduled = false;
  #sending: Promise<void> = Promise.resolve();
  #failure: Error | undefined;
  #sent = 0;

  constructor(config: S3NotifierConfig) {
    this.#options = config.options ?? {};
    validateNotifierOptions(this.#options);
    this.#config = config;
    this.#random = seededRandom(this.#options.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.#windowMs = this.#options.shuffle ? (this.#options.shuffleWindowMs ?? DEFAULT_SHUFFLE_WINDOW_MS) : 0;
  }

  /** Messages handed to SQS so far, duplicates and the test event included. */
  get sentCount(): number {
    return this.#sent;
  }

  /** Sends the `s3:TestEvent` S3 emits when the notification configuration is saved. */
  async start(): Promise<void> {
    if (this.#options.testEvent === false) return;
    const body = testEvent(this.#config.bucket, new Date(), requestId(), hostId());
    this.#enqueueSend([JSON.stringify(body)]);
    await this.drained();
  }

  /** Whether S3 would notify for this object: the configured bucket and suffix. */
  matches(bucket: string, key: string): boolean {
    return bucket === this.#config.bucket && key.endsWith(this.#config.suffix);
  }

  /** Records one created object; `created` may still be resolving (e.g. the size of a copy). */
  objectCreated(created: ObjectCreated | Promise<ObjectCreated>): void {
    if (!(created instanceof Promise)) {
      this.#accept(created);
      return;
    }
    const tracked = created.then(
      (value) => this.#accept(value),
      (error: unknown) => this.#fail(error),
    );
    this.#resolving.add(tracked);
    void tracked.finally(() => this.#resolving.delete(tracked));
  }

  /** Resolves once every notification for objects created so far has been sent; rejects if a send failed. */
  async drained(): Promise<void> {
    while (this.#resolving.size > 0) await Promise.all([...this.#resolving]);
    this.#flush();
    await this.#sending;
    if (this.#failure) throw this.#failure;
  }

  #accept(created: ObjectCreated): void {
    if (!this.matches(created.bucket, created.key)) return;
    const body = objectCreatedNotification(created, this.#sequencer.next(), this.#config.context);
    this.#pending.push(JSON.stringify(body));
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // Without a shuffle window, objects created in the same tick still share one SendMessageBatch.
    if (this.#windowMs > 0) this.#flushTimer = setTimeout(() => this.#flush(), this.#windowMs);
    else queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#flushScheduled = false;
    if (this.#pending.length === 0) return;
    const window = this.#pending;
    this.#pending = [];
    this.#enqueueSend(planDeliveries(window, this.#options, this.#random));
  }

  #enqueueSend(bodies: string[]): void {
    this.#sending = this.#sending.then(() => this.#send(bodies)).catch((error: unknown) => this.#fail(error));
  }

  async #send(bodies: string[]): Promise<void> {
    for (let start = 0; start < bodies.length; start += SQS_BATCH_LIMIT) {
      const batch = bodies.slice(start, start + SQS_BATCH_LIMIT);
      await this.#config.sendBatch(batch);
      this.#sent += batch.length;
    }
  }

  #fail(error: unknown): void {
    this.#failure ??= new NotificationDeliveryError(
      `an S3 notification could not be delivered to the loader queue: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

function requestId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase();
}

function hostId(): string {
  return Buffer.from(randomUUID()).toString('base64');
}
