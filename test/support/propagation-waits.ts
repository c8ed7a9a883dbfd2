import { PROPAGATION_RETRY, type PropagationWaits } from '../../lambdas/loader/current-table/propagation.js';
import type { EmulatorClock } from '../../local/bigquery-emulator/clock.js';

/** Emulator milliseconds per real millisecond of a wait the loader checks against its deadline. */
const SCALE = 100;

/**
 * The loader's waits for a schema change to propagate, spent on the emulator's clock: the test moves
 * time instead of waiting for it. Production's backoff (5 s doubling to 30 s) in emulator time,
 * scaled down 1:100 for the loader's deadline check, so that the waits also fit in the few seconds
 * the tests' event sources give an invocation.
 */
export function emulatorClockWaits(clock: () => EmulatorClock): PropagationWaits {
  return {
    retry: {
      baseDelayMs: PROPAGATION_RETRY.baseDelayMs / SCALE,
      maxDelayMs: PROPAGATION_RETRY.maxDelayMs / SCALE,
    },
    sleep: async (ms) => {
      clock().advance((ms * SCALE) / 1000);
    },
  };
}
