import { setTimeout as sleep } from 'node:timers/promises';
import type { TableField } from '@google-cloud/bigquery';
import { CdcStreamError, isPropagationRefusal } from '../bigquery/cdc-errors.js';
import { backoffDelay, type RetryPolicy } from '../bigquery/deadline.js';

/**
 * How the rebuild retries its stream. It runs outside Lambda (the CLI, `apply --backfill`), so it is
 * bounded by a total wait rather than by a function's deadline: long enough for a recreated table to
 * reach the Storage Write API ("in order of minutes", ADR 0043) and for a backend blip to pass.
 */
export interface RebuildRetry {
  policy: RetryPolicy;
  /** The waits of one rebuild together stay under this. */
  maxTotalWaitMs: number;
  /** Real time by default; tests move the emulator's clock instead. */
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_REBUILD_RETRY: RebuildRetry = {
  policy: { baseDelayMs: 1_000, maxDelayMs: 30_000 },
  maxTotalWaitMs: 15 * 60_000,
  sleep: (ms) => sleep(ms),
};

/**
 * Whether another stream of the same changes can succeed: a transient gRPC status (UNAVAILABLE,
 * INTERNAL, ABORTED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, …; CdcStreamError.retryable), or a
 * refusal because the just-created table has not reached the Storage Write API yet.
 */
export const isRetryableRebuildFailure = (error: unknown, fields: readonly TableField[]): boolean =>
  (error instanceof CdcStreamError && error.retryable) || isPropagationRefusal(error, fields);

/**
 * Runs `stream` (every page of the rebuild's query, from the first: appends with sequence numbers
 * are idempotent, so a page streamed twice leaves the table as once) until it succeeds, a failure
 * no retry can fix, or the total wait would pass `maxTotalWaitMs`.
 */
export async function streamWithRetry<T>(
  stream: () => Promise<T>,
  fields: readonly TableField[],
  retry: RebuildRetry,
  onRetry?: (error: CdcStreamError, waitMs: number, attempt: number) => void,
): Promise<T> {
  let waited = 0;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await stream();
    } catch (error) {
      if (!isRetryableRebuildFailure(error, fields)) throw error;
      const waitMs = backoffDelay(attempt, retry.policy);
      if (waited + waitMs > retry.maxTotalWaitMs) {
        throw new CdcStreamError(
          (error as CdcStreamError).code,
          `still failing after ${attempt + 1} attempts and ${Math.round(waited / 1000)} s of waits; run the rebuild again (${(error as Error).message})`,
        );
      }
      onRetry?.(error as CdcStreamError, waitMs, attempt + 1);
      await retry.sleep(waitMs);
      waited += waitMs;
    }
  }
}
