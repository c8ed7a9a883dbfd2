import type { TableField } from '@google-cloud/bigquery';
import { type CdcStreamError, isPropagationRefusal } from '../../shared/bigquery/cdc-errors.js';
import { backoffDelay, type Deadline, type RetryPolicy } from '../../shared/bigquery/deadline.js';

/**
 * Waits for a schema change to reach the Storage Write API. Google gives no bound beyond "after
 * some time (in order of minutes)" (ADR 0043), so the waits are on that scale: 5 s doubling to 30 s.
 */
export const PROPAGATION_RETRY: RetryPolicy = { baseDelayMs: 5_000, maxDelayMs: 30_000 };

export interface PropagationWaits {
  retry: RetryPolicy;
  /** Production sleeps on the invocation's deadline (real time); tests move the emulator's clock. */
  sleep: (ms: number, what: string, deadline: Deadline) => Promise<void>;
}

export const DEFAULT_PROPAGATION_WAITS: PropagationWaits = {
  retry: PROPAGATION_RETRY,
  sleep: (ms, what, deadline) => deadline.sleep(ms, what),
};

/** The invocation's time ran out while the change propagated: the record comes back (transient). */
export class SchemaPropagationPendingError extends Error {
  override name = 'SchemaPropagationPendingError';
}

/**
 * Runs `attempt` (prepare the table, stream the whole file: idempotent with sequence numbers) until
 * it is not refused for propagation, waiting with backoff between tries while the invocation has
 * time for the wait. `attempt` reports the fields it streamed with, so a refusal can be judged.
 */
export async function untilPropagated<T>(
  attempt: (fields: TableField[]) => Promise<T>,
  options: {
    deadline: Deadline;
    waits: PropagationWaits;
    what: string;
    onWait: (refusal: CdcStreamError, waitMs: number, attempt: number) => void;
  },
): Promise<{ result: T; waits: number }> {
  for (let tries = 0; ; tries += 1) {
    const fields: TableField[] = [];
    try {
      return { result: await attempt(fields), waits: tries };
    } catch (error) {
      if (!isPropagationRefusal(error, fields)) throw error;
      const waitMs = backoffDelay(tries, options.waits.retry);
      if (waitMs >= options.deadline.remainingMs()) {
        throw new SchemaPropagationPendingError(
          `${options.what}: the Storage Write API does not know the table's latest schema change yet (${(error as Error).message}); waited ${tries} time(s), the record comes back for another try`,
          { cause: error },
        );
      }
      options.onWait(error as CdcStreamError, waitMs, tries + 1);
      await options.waits.sleep(waitMs, options.what, options.deadline);
    }
  }
}
