import { type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { pipelineSettings } from '../../../lambdas/shared/pipeline-settings.js';
import { localNames } from '../names.js';
import { type BatchVerdict, judgeBatchResponse } from './batch-response.js';
import {
  type FunctionIdentity,
  type InvocationOutcome,
  invokeHandler,
  type SqsBatchHandler,
} from './invoke.js';
import { deleteMessages, queueDepth, releaseMessages } from './queue-calls.js';
import { toSqsRecord } from './sqs-record.js';

export interface SqsEventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  handler: SqsBatchHandler;
  /** Records per invocation (default: the deployed loader's). */
  batchSize?: number;
  /** How long a poller gathers records before invoking with fewer than `batchSize` (default: deployed). */
  maximumBatchingWindowMs?: number;
  /** Pollers, hence concurrent invocations at most (default: the deployed maximum concurrency). */
  concurrency?: number;
  functionTimeoutMs?: number;
  functionName?: string;
  memorySizeMb?: number;
  /** The mapping's `FunctionResponseTypes: ['ReportBatchItemFailures']` (default true, as deployed). */
  reportBatchItemFailures?: boolean;
  /** Long-poll wait of an idle poller; short so that `stop()` returns quickly (default 1 s). */
  pollWaitSeconds?: number;
  /** Told about each whole-batch failure, e.g. to log it as Lambda would in CloudWatch (default: silent). */
  onBatchFailure?: (failure: BatchFailure) => void;
}

/** Why a whole batch failed; its records come back after the visibility timeout. */
export type BatchFailure =
  | { kind: 'threw'; error: unknown }
  | { kind: 'timed-out'; timeoutMs: number }
  | { kind: 'malformed'; reason: string };

/** Counters since start. A record that fails three times counts three times in `recordsFailed`. */
export interface EventSourceStats {
  invocations: number;
  recordsSucceeded: number;
  recordsFailed: number;
  /** Invocations whose whole batch failed: thrown error, timeout or malformed response. */
  batchesFailed: number;
  timeouts: number;
  /** Receive/delete calls SQS refused; the poller retries, messages come back after their visibility timeout. */
  sqsErrors: number;
}

export interface EventSource {
  readonly stats: Readonly<EventSourceStats>;
  /** Resolves when the queue holds nothing (visible, in flight or delayed) and no invocation runs, for `quietMs`. */
  waitUntilIdle(options?: { quietMs?: number; timeoutMs?: number }): Promise<void>;
  /** Stops polling and waits for running invocations; records received meanwhile are released at once. */
  stop(): Promise<void>;
}

export class EventSourceIdleTimeoutError extends Error {
  override name = 'EventSourceIdleTimeoutError';
}

const SQS_BATCH_LIMIT = 10;
const RETRY_AFTER_ERROR_MS = 100;
const WINDOW_POLL_MS = 25;

/**
 * Emulates Lambda's SQS event source mapping: `concurrency` pollers long-poll the queue, gather up to
 * `batchSize` records within the batching window, invoke the handler, delete what succeeded and leave
 * the rest to reappear after the visibility timeout — or sooner, when the function shortened it with
 * ChangeMessageVisibility, which fauxqs keeps per message as SQS does (the loader's backoff).
 * Redrive to the DLQ after maxReceiveCount is the queue's own RedrivePolicy, enforced by fauxqs on
 * receive exactly like SQS (see the tests).
 */
export function startSqsEventSource(options: SqsEventSourceOptions): EventSource {
  return new SqsPollers(options);
}

class SqsPollers implements EventSource {
  readonly stats: EventSourceStats = {
    invocations: 0,
    recordsSucceeded: 0,
    recordsFailed: 0,
    batchesFailed: 0,
    timeouts: 0,
    sqsErrors: 0,
  };
  readonly #options: SqsEventSourceOptions;
  readonly #identity: FunctionIdentity;
  readonly #batchSize: number;
  readonly #windowMs: number;
  readonly #pollers: Promise<void>[];
  #stopping = false;
  #running = 0;

  constructor(options: SqsEventSourceOptions) {
    const { loader } = pipelineSettings;
    this.#options = options;
    this.#batchSize = positiveInteger('batchSize', options.batchSize ?? loader.batchSize);
    this.#windowMs = options.maximumBatchingWindowMs ?? loader.maxBatchingWindowSeconds * 1000;
    this.#identity = {
      functionName: options.functionName ?? localNames.loaderFunction,
      region: options.region,
      memorySizeMb: options.memorySizeMb ?? loader.memorySizeMb,
      timeoutMs: positiveInteger(
        'functionTimeoutMs',
        options.functionTimeoutMs ?? loader.timeoutSeconds * 1000,
      ),
    };
    const concurrency = positiveInteger('concurrency', options.concurrency ?? loader.maxConcurrency);
    this.#pollers = Array.from({ length: concurrency }, () => this.#poll());
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#pollers);
  }

  async waitUntilIdle({ quietMs = 200, timeoutMs = 60_000 } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quietSince: number | undefined;
    for (;;) {
      const depth = await queueDepth(this.#options.sqs, this.#options.queueUrl);
      const now = Date.now();
      if (depth === 0 && this.#running === 0) {
        quietSince ??= now;
        if (now - quietSince >= quietMs) return;
      } else {
        quietSince = undefined;
      }
      if (now > deadline) {
        throw new EventSourceIdleTimeoutError(
          `event source not idle after ${timeoutMs} ms: ${depth} message(s) in the queue, ${this.#running} invocation(s) running`,
        );
      }
      await sleep(50);
    }
  }

  async #poll(): Promise<void> {
    while (!this.#stopping) {
      const messages = await this.#collectBatch();
      if (messages.length === 0) continue;
      if (this.#stopping) await releaseMessages(this.#options.sqs, this.#options.queueUrl, messages);
      else await this.#invoke(messages);
    }
  }

  async #collectBatch(): Promise<Message[]> {
    const batch = await this.#receive(this.#batchSize, this.#options.pollWaitSeconds ?? 1);
    const deadline = Date.now() + this.#windowMs;
    while (batch.length > 0 && batch.length < this.#batchSize && Date.now() < deadline && !this.#stopping) {
      const more = await this.#receive(this.#batchSize - batch.length, 0);
      if (more.length > 0) batch.push(...more);
      else await sleep(Math.min(WINDOW_POLL_MS, deadline - Date.now()));
    }
    return batch;
  }

  async #receive(wanted: number, waitSeconds: number): Promise<Message[]> {
    try {
      const { Messages } = await this.#options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#options.queueUrl,
          MaxNumberOfMessages: Math.min(wanted, SQS_BATCH_LIMIT),
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      return Messages ?? [];
    } catch {
      if (!this.#stopping) this.stats.sqsErrors++;
      await sleep(RETRY_AFTER_ERROR_MS);
      return [];
    }
  }

  async #invoke(messages: Message[]): Promise<void> {
    this.#running++;
    try {
      const { queueArn, region, handler } = this.#options;
      const records = messages.map((message) => toSqsRecord(message, queueArn, region));
      this.stats.invocations++;
      const outcome = await invokeHandler(handler, { Records: records }, this.#identity);
      const verdict = this.#judge(outcome, records);
      if (verdict.kind !== 'partial') {
        // Whole-batch failure: nothing is deleted, every record comes back after the visibility timeout.
        this.stats.batchesFailed++;
        this.stats.recordsFailed += records.length;
        this.#options.onBatchFailure?.(verdict);
        return;
      }
      const succeeded = messages.filter((message) => !verdict.failedIds.has(message.MessageId ?? ''));
      this.stats.recordsFailed += records.length - succeeded.length;
      this.stats.recordsSucceeded += succeeded.length;
      this.stats.sqsErrors += await deleteMessages(this.#options.sqs, this.#options.queueUrl, succeeded);
    } finally {
      this.#running--;
    }
  }

  #judge(outcome: InvocationOutcome, records: SQSRecord[]): BatchVerdict | BatchFailure {
    if (outcome.kind === 'timed-out') {
      this.stats.timeouts++;
      return { kind: 'timed-out', timeoutMs: this.#identity.timeoutMs };
    }
    if (outcome.kind === 'threw') return { kind: 'threw', error: outcome.error };
    if (this.#options.reportBatchItemFailures === false) return { kind: 'partial', failedIds: new Set() };
    return judgeBatchResponse(outcome.response, records);
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be an integer ≥ 1, got ${value}`);
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
