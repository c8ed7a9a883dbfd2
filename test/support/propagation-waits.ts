import { PROPAGATION_RETRY, type PropagationWaits } from '../../lambdas/loader/current-table/propagation.js';
import type { EmulatorClock } from '../../local/bigquery-emulator/clock.js';

/**
 * The loader's waits for a schema change to propagate, spent on the emulator's clock: the test moves
 * time instead of waiting for it. Production's backoff, its cap lowered to 20 s so that a wait fits
 * in the 30 s invocations of the loader tests (a wait must end before the deadline).
 */
export function emulatorClockWaits(clock: () => EmulatorClock): PropagationWaits {
  return {
    retry: { ...PROPAGATION_RETRY, maxDelayMs: 20_000 },
    sleep: async (ms) => {
      clock().advance(ms / 1000);
    },
  };
}
