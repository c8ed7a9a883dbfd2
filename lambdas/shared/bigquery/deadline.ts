import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The invocation's time budget. Retries and waits never outlive the function: when the budget is
 * spent the record fails and SQS brings it back, where the job lookup picks up where this left off.
 */
export class TimeBudgetError extends Error {
  override name = 'TimeBudgetError';
}

export interface RetryPolicy {
  /** First backoff; doubles each attempt. */
  baseDelayMs: number;
  /** Cap of a single backoff. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 200, maxDelayMs: 10_000 };

/** Capped exponential backoff with full jitter, so racing workers do not retry in lockstep. */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class Deadline {
  constructor(
    /** Epoch milliseconds after which no work may be started or awaited. */
    readonly endsAt: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** From a Lambda context: the remaining time minus a reserve for reporting and logging. */
  static fromRemaining(remainingMs: number, reserveMs: number, now: () => number = Date.now): Deadline {
    return new Deadline(now() + remainingMs - reserveMs, now);
  }

  remainingMs(): number {
    return this.endsAt - this.now();
  }

  check(what: string): void {
    if (this.remainingMs() <= 0)
      throw new TimeBudgetError(`out of time before ${what}; the record will be retried`);
  }

  /** Sleeps, unless the sleep would end past the deadline. */
  async sleep(ms: number, what: string): Promise<void> {
    if (ms >= this.remainingMs()) {
      throw new TimeBudgetError(`out of time while waiting to ${what}; the record will be retried`);
    }
    await sleep(ms);
  }
}
