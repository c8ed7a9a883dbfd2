import { PROPAGATION_RETRY, type PropagationWaits } from '../../lambdas/loader/current-table/propagation.js';
import type { EmulatorClock } from '../../local/bigquery-emulator/clock.js';

/**
 * The loader's waits for a schema change to propagate, as production makes them (same backoff), but
 * spent on the emulator's clock: the test moves time instead of waiting for it.
 */
export function emulatorClockWaits(clock: () => EmulatorClock): PropagationWaits {
  return {
    retry: PROPAGATION_RETRY,
    sleep: async (ms) => {
      clock().advance(ms / 1000);
    },
  };
}
