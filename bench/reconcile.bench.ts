import { changelogCounts } from '../lambdas/shared/reconcile/changelog.js';
import { reconcileTables } from '../lambdas/shared/reconcile/reconcile.js';
import { startChangelogHistory, taskView } from '../test/reconcile/changelog-history.js';
import type { BenchResult } from './run.js';

/**
 * What one reconciliation run reads as the changelog ages (issue 20, item 4): the old query (every
 * partition since FullLoadStartTime) against the running totals (the open partitions only), by
 * the emulator's `totalBytesProcessed` of the run's query jobs. One table at the reference rate
 * per table (40 M changed rows a day over ~70 tables ≈ 571,000 a day), scaled down by
 * DMS_BENCH_RECONCILE_SCALE (default 1,000); bytes scale back up linearly.
 */
const REFERENCE_ROWS_PER_DAY = 40_000_000;
const REFERENCE_TABLES = 70;
const SCALE = Number(process.env.DMS_BENCH_RECONCILE_SCALE ?? 1_000);
const ROWS_PER_DAY = Math.round(REFERENCE_ROWS_PER_DAY / REFERENCE_TABLES / SCALE);
const MEASURED_DAYS = [1, 30, 365];
const RUNS_PER_MONTH = 96 * 30;
/** BigQuery on-demand, US multi-region (https://cloud.google.com/bigquery/pricing). */
const USD_PER_TIB = 6.25;
const MIN_BILLED_BYTES = 10 * 1024 * 1024;
const TIB = 1024 ** 4;
const MIB = 1024 ** 2;

/**
 * Simulated days lie in the past: the emulator's CURRENT_TIMESTAMP, which the reconciliation reads
 * as BigQuery's clock, must not be behind the simulated one (it follows the emulator's clock only
 * where the clock drives it).
 */
const day = (n: number, hour = 0, minute = 0): Date => new Date(Date.UTC(2024, 0, 1 + n, hour, minute));
const mib = (bytes: number): string =>
  bytes < MIB ? `${bytes.toLocaleString('en-US')} B` : `${(bytes / MIB).toFixed(2)} MiB`;
const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
const usd = (value: number): string => `$${value.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;

interface Sample {
  label: string;
  processed: number;
  queries: number;
}

interface DayResult {
  day: number;
  oldProcessed: number;
  samples: Sample[];
}

export default async function reconcileBench(): Promise<BenchResult> {
  const since = day(0);
  const history = await startChangelogHistory(day(0, 12));
  const started = Date.now();
  try {
    const run = async (label: string, time: Date): Promise<Sample> => {
      history.at(time);
      const full = await changelogCounts(history.bigquery, history.projectId, history.route, since);
      const measured = await history.measure(() =>
        reconcileTables({
          routes: [history.route],
          statistics: async () => taskView(since, { inserts: full.I, updates: full.U }, day(0)),
          bigquery: history.bigquery,
          projectId: history.projectId,
          now: time,
        }),
      );
      const table = measured.result[0];
      if (table?.verdict !== 'match' || table.actual.I !== full.I || table.actual.U !== full.U) {
        throw new Error(
          `reconcile bench: running totals ${JSON.stringify(table?.actual)} differ from the full count`,
        );
      }
      return { label, processed: measured.processed, queries: measured.queries };
    };
    const results: DayResult[] = [];
    for (let n = 0; n <= Math.max(...MEASURED_DAYS); n++) {
      if (n % 30 === 0)
        process.stderr.write(
          `reconcile bench: day ${n} after ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
        );
      if (!MEASURED_DAYS.includes(n)) {
        // An ordinary day: the day's rows in one file, one run after it keeps the totals current.
        history.at(day(n, 12));
        await history.land(ROWS_PER_DAY, day(n, 11));
        await run('daily', day(n, 12, 30));
        continue;
      }
      // A measured day: four files of six hours each, and runs at the points that differ.
      const quarter = Math.round(ROWS_PER_DAY / 4);
      const samples: Sample[] = [];
      for (const [hour, label] of [
        [0, '03:00 (yesterday still open)'],
        [6, '09:00 (first run after the grace: yesterday closes)'],
        [12, '15:00'],
        [18, '21:00'],
      ] as const) {
        history.at(day(n, hour, 5));
        await history.land(quarter, day(n, hour));
        samples.push(await run(label, day(n, hour + 3)));
        if (hour === 6) samples.push(await run('09:15 (the next run)', day(n, 9, 15)));
      }
      const old = await history.measure(() =>
        changelogCounts(history.bigquery, history.projectId, history.route, since),
      );
      results.push({ day: n, oldProcessed: old.processed, samples });
    }
    return {
      title: 'Reconciliation: bytes per run as the changelog ages (issue 20)',
      markdown: render(results, Date.now() - started),
    };
  } finally {
    await history.stop();
  }
}

function render(results: DayResult[], elapsedMs: number): string {
  const labels = results[0]?.samples.map((sample) => sample.label) ?? [];
  const header = `| history | old query (every partition since FullLoadStartTime) | ${labels.map((label) => `running totals, run at ${label}`).join(' | ')} |`;
  const rows = results.map(
    (result) =>
      `| ${result.day} day${result.day === 1 ? '' : 's'} | ${mib(result.oldProcessed)} | ${result.samples.map((sample) => `${mib(sample.processed)} (${sample.queries} quer${sample.queries === 1 ? 'y' : 'ies'})`).join(' | ')} |`,
  );
  const last = results.at(-1);
  const first = results[0];
  const spread = (result: DayResult) => result.samples.map((sample) => sample.processed).join(',');
  const flat = last && first && spread(last) === spread(first);
  // A day's rows as read by the reconciliation (Op + _dms_timestamp), at the reference scale, all tables.
  const referenceDayBytes = last
    ? (last.samples.find((sample) => sample.label === '21:00')?.processed ?? 0) * SCALE * REFERENCE_TABLES
    : 0;
  const oldMonthUsd = (days: number) =>
    ((referenceDayBytes * (days + 0.5)) / TIB) * USD_PER_TIB * RUNS_PER_MONTH;
  // Runs in 00:00–06:00 read yesterday and today so far; later runs today so far: 0.75 day on average.
  const newRunBytes = referenceDayBytes * 0.75;
  // Each table's query bills at least 10 MB: at best the tables are all above it, at worst the
  // reads of the busy tables come on top of 70 minimums.
  const minimums = MIN_BILLED_BYTES * REFERENCE_TABLES;
  const monthUsd = (bytes: number) => (bytes / TIB) * USD_PER_TIB * RUNS_PER_MONTH;
  return [
    `One changelog table at ${ROWS_PER_DAY.toLocaleString('en-US')} changes a day (the reference's ${(REFERENCE_ROWS_PER_DAY / REFERENCE_TABLES).toLocaleString('en-US', { maximumFractionDigits: 0 })} per table, 1/${SCALE.toLocaleString('en-US')}), loaded day by day with the loader's load configuration (ingestion-time DAY partitions) while the emulator's clock moves; one reconciliation a day keeps the running totals current, and every run is checked equal to the full count. On the measured days the rows arrive in four files (00:00, 06:00, 12:00, 18:00) and the runs below follow each. Bytes: the emulator's \`totalBytesProcessed\` of the run's query jobs (\`Op\` + \`_dms_timestamp\` of the partitions read, BigQuery's data sizes). ${(elapsedMs / 1000).toFixed(0)} s.`,
    '',
    header,
    `|---|---|${labels.map(() => '---').join('|')}|`,
    ...rows,
    '',
    `Running totals per run at 1, 30 and 365 days: ${flat ? 'identical at every time of day — flat' : 'NOT identical — not flat'}; the old query grows with every day of history.`,
    '',
    `At the reference scale (× ${SCALE.toLocaleString('en-US')} × ${REFERENCE_TABLES} tables) a day of changelog is ${gib(referenceDayBytes)} of \`Op\` + \`_dms_timestamp\`. Every 15 minutes (${RUNS_PER_MONTH.toLocaleString('en-US')} runs a month) at $${USD_PER_TIB}/TiB: the old query ≈ ${usd(oldMonthUsd(15))} in month 1 (15 days of history on average) and ≈ ${usd(oldMonthUsd(365))} a month after a year; the running totals read 0.75 day on average (yesterday stays open until 06:00) ≈ ${gib(newRunBytes)} a run; with BigQuery's 10 MB minimum per table referenced (${gib(minimums)} a run for ${REFERENCE_TABLES} tables) billed between ${gib(Math.max(newRunBytes, minimums))} and ${gib(newRunBytes + minimums)} a run: ${usd(monthUsd(Math.max(newRunBytes, minimums)))}–${usd(monthUsd(newRunBytes + minimums))} a month at any age.`,
  ].join('\n');
}
