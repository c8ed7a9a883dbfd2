/** What the soak injects; each can be switched off (`--no-<name>`) to isolate a failure. */
export const SCENARIOS = [
  /** `replay` of a CDC range `lateDays` old, and once with `includeFullLoad`. */
  'replay',
  /** Old files' messages parked in the DLQ and redriven at the day's end, with whatever else is there. */
  'redrive',
  /** S3 delivering an old file's notification again, `lateDays` later. */
  'late-duplicate',
  /** The task stopped for a slice of a day (source changes, deletes included, not captured), then every table reloaded. */
  'reload-after-gap',
  /** `ALTER TABLE … ADD COLUMN` on a CDC-table route and a view route. */
  'add-column',
  /** DECIMAL(7,2) → DECIMAL(38,10), INT → BIGINT, INT → DECIMAL(20,4). */
  'widen',
  /** One table's full load is one file of many row groups. */
  'big-full-load',
  /** The emulator's schema-propagation delay (`schemaPropagationSeconds`) is on. */
  'propagation-delay',
] as const;

export type ScenarioName = (typeof SCENARIOS)[number];

export interface SoakOptions {
  days: number;
  /** Source changes per simulated day (one DMS task), spread over the tables with a Zipf skew. */
  changesPerDay: number;
  /** CdcMaxBatchInterval of the soak's source: one CDC file per table per this many seconds (3,600 in the mapping). */
  cdcIntervalSeconds: number;
  /** The day is landed in this many slices; the clock moves to each slice's end before its files land. */
  slicesPerDay: number;
  /** Full-load rows of every table but the big one. */
  initialRows: number;
  /** Full-load rows of `shop.events` when `big-full-load` is on, in one LOAD file. */
  bigFullLoadRows: number;
  /** RowGroupLength of every file (DMS default 10,000); a big file has bigFullLoadRows / this row groups. */
  rowGroupLength: number;
  /** Age in days of the files replayed, redriven and delivered again; past BigQuery's two-day DELETE retention. */
  lateDays: number;
  /** The emulator's schema-propagation delay when `propagation-delay` is on (ADR 0028). */
  schemaPropagationSeconds: number;
  /**
   * Simulated seconds per real second while the pipeline drains: the local backoff is the deployed
   * one scaled down about tenfold (10 s → 1 s), so the clock runs ten times faster while it waits.
   */
  drainClockRate: number;
  scenarios: Record<ScenarioName, boolean>;
  seed: number;
}

export const DEFAULT_OPTIONS: SoakOptions = {
  days: 30,
  changesPerDay: 2_000,
  cdcIntervalSeconds: 3_600,
  slicesPerDay: 4,
  initialRows: 500,
  bigFullLoadRows: 100_000,
  rowGroupLength: 5_000,
  lateDays: 3,
  schemaPropagationSeconds: 600,
  drainClockRate: 10,
  scenarios: Object.fromEntries(SCENARIOS.map((name) => [name, true])) as Record<ScenarioName, boolean>,
  seed: 1,
};

/** Bad command-line input: one line naming the option and the fix. */
export class SoakInputError extends Error {
  override name = 'SoakInputError';
}

const NUMERIC: Record<string, keyof SoakOptions> = {
  '--days': 'days',
  '--changes-per-day': 'changesPerDay',
  '--cdc-interval-seconds': 'cdcIntervalSeconds',
  '--slices-per-day': 'slicesPerDay',
  '--initial-rows': 'initialRows',
  '--big-full-load-rows': 'bigFullLoadRows',
  '--row-group-length': 'rowGroupLength',
  '--late-days': 'lateDays',
  '--schema-propagation-seconds': 'schemaPropagationSeconds',
  '--drain-clock-rate': 'drainClockRate',
  '--seed': 'seed',
};

/** `--days 30 --no-widen …` on top of the defaults. */
export function parseSoakArgs(args: readonly string[], base: SoakOptions = DEFAULT_OPTIONS): SoakOptions {
  const options: SoakOptions = { ...base, scenarios: { ...base.scenarios } };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg.startsWith('--no-') && (SCENARIOS as readonly string[]).includes(arg.slice(5))) {
      options.scenarios[arg.slice(5) as ScenarioName] = false;
      continue;
    }
    const field = NUMERIC[arg];
    if (!field)
      throw new SoakInputError(
        `${arg}: unknown option; use ${Object.keys(NUMERIC).join(', ')} or --no-<${SCENARIOS.join('|')}>`,
      );
    const raw = args[++i];
    const value = Number(raw);
    if (raw === undefined || !Number.isFinite(value) || value < 0)
      throw new SoakInputError(`${arg}: expected a number ≥ 0, got ${raw ?? 'nothing'}`);
    (options as unknown as Record<string, number>)[field] = value;
  }
  return checkSoakOptions(options);
}

export function checkSoakOptions(options: SoakOptions): SoakOptions {
  const integer = (name: string, value: number, min: number) => {
    if (!Number.isInteger(value) || value < min)
      throw new SoakInputError(`${name}: expected an integer ≥ ${min}, got ${value}`);
  };
  integer('--days', options.days, 1);
  integer('--slices-per-day', options.slicesPerDay, 2);
  integer('--changes-per-day', options.changesPerDay, 1);
  integer('--cdc-interval-seconds', options.cdcIntervalSeconds, 60);
  integer('--initial-rows', options.initialRows, 10);
  integer('--big-full-load-rows', options.bigFullLoadRows, 1);
  integer('--row-group-length', options.rowGroupLength, 1);
  integer('--late-days', options.lateDays, 1);
  integer('--seed', options.seed, 0);
  if (options.changesPerDay < options.slicesPerDay)
    throw new SoakInputError('--changes-per-day: must be at least --slices-per-day (one change per slice)');
  return options;
}
