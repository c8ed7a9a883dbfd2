/**
 * The emulator's one clock. Every rule of BigQuery's that has a window or a delay (CDC delete
 * retention, schema propagation to the Storage Write API, job and table times, `_PARTITIONTIME` of
 * ingested rows, CURRENT_TIMESTAMP) reads `now()`, so a test moves time instead of waiting for it.
 *
 * The clock is the machine's time plus an offset. The offset starts from the option or from
 * `BIGQUERY_EMULATOR_CLOCK_OFFSET` (seconds, may be negative) and grows with `advance()`
 * (`POST /_emulator/clock {"advanceSeconds": N}`). Times already stored keep their values, so a
 * later process started with an offset sees them as old.
 */
export class EmulatorClock {
  private offsetMs: number;

  constructor(offsetSeconds = 0) {
    this.offsetMs = offsetSeconds * 1000;
  }

  /** Milliseconds since the epoch, as BigQuery's own clock would read them. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** `now()` as a Date. */
  date(): Date {
    return new Date(this.now());
  }

  /** Moves the clock forward (or back, with a negative value); returns the new time in ms. */
  advance(seconds: number): number {
    if (!Number.isFinite(seconds))
      throw new RangeError(`advanceSeconds must be a finite number, got ${seconds}`);
    this.offsetMs += seconds * 1000;
    return this.now();
  }

  /** The offset from the machine's time, in seconds. */
  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }
}

export const CLOCK_OFFSET_ENV = 'BIGQUERY_EMULATOR_CLOCK_OFFSET';

/**
 * The clock offset in seconds from `BIGQUERY_EMULATOR_CLOCK_OFFSET` (0 when unset). A value that is
 * not a number is an error naming the variable, never silently 0.
 */
export function clockOffsetFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[CLOCK_OFFSET_ENV];
  if (raw === undefined || raw.trim() === '') return 0;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds)) {
    throw new Error(
      `${CLOCK_OFFSET_ENV}=${raw} is not a number of seconds: set it to e.g. 86400 or -3600, or unset it`,
    );
  }
  return seconds;
}

export const SCHEMA_PROPAGATION_ENV = 'BIGQUERY_EMULATOR_SCHEMA_PROPAGATION_SECONDS';

/**
 * The schema propagation delay in seconds from `BIGQUERY_EMULATOR_SCHEMA_PROPAGATION_SECONDS` (0 when
 * unset); anything but a number of seconds ≥ 0 is an error naming the variable.
 */
export function schemaPropagationFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[SCHEMA_PROPAGATION_ENV];
  if (raw === undefined || raw.trim() === '') return 0;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new Error(
      `${SCHEMA_PROPAGATION_ENV}=${raw} is not a number of seconds >= 0: set it to e.g. 600, or unset it for 0`,
    );
  }
  return seconds;
}
