import { type Random, seededRandom } from '../shared/seeded-random.js';
/** How the notifier mimics S3's at-least-once, unordered delivery. */
export interface NotifierOptions {
  /** Every event is sent this many times (default 1). */
  deliveries?: number;
  /** Each event gets one extra copy with this probability, drawn from the seeded generator (default 0). */
  duplicateProbability?: number;
  /** Sends the events gathered in one window in random order (default false). */
  shuffle?: boolean;
  /** Seed of the generator behind duplicates and shuffling; fixed seed, same decisions for the same events. */
  seed?: number;
  /** How long events gather before a shuffled window is sent (default 100 ms; 0 without shuffle). */
  shuffleWindowMs?: number;
  /** Sends S3's `s3:TestEvent` when the notifier starts, as S3 does when a configuration is saved (default true). */
  testEvent?: boolean;
}

export { type Random, seededRandom };

/** The bodies to send, in sending order, for one window of events: copies first, then the shuffle. */
export function planDeliveries<T>(events: readonly T[], options: NotifierOptions, random: Random): T[] {
  const deliveries = options.deliveries ?? 1;
  const duplicateProbability = options.duplicateProbability ?? 0;
  const planned: T[] = [];
  for (const event of events) {
    const extra = duplicateProbability > 0 && random() < duplicateProbability ? 1 : 0;
    for (let copy = 0; copy < deliveries + extra; copy++) planned.push(event);
  }
  if (options.shuffle) {
    for (let i = planned.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [planned[i], planned[j]] = [planned[j] as T, planned[i] as T];
    }
  }
  return planned;
}

/** Rejects options S3 itself could never produce, with the option named. */
export function validateNotifierOptions(options: NotifierOptions): void {
  const { deliveries = 1, duplicateProbability = 0, shuffleWindowMs = 0 } = options;
  if (!Number.isInteger(deliveries) || deliveries < 1) {
    throw new RangeError(`notifier.deliveries must be an integer ≥ 1, got ${deliveries}`);
  }
  if (!(duplicateProbability >= 0 && duplicateProbability <= 1)) {
    throw new RangeError(
      `notifier.duplicateProbability must be between 0 and 1, got ${duplicateProbability}`,
    );
  }
  if (!(shuffleWindowMs >= 0)) {
    throw new RangeError(`notifier.shuffleWindowMs must be ≥ 0, got ${shuffleWindowMs}`);
  }
}
