import type { BigQuery } from '@google-cloud/bigquery';
import { checkPassed, type TableCheck } from './check.js';
import type { SoakOptions } from './options.js';

export interface DayReport {
  day: number;
  /** DMS files landed this day (CDC and LOAD) and the rows they hold. */
  files: number;
  rows: number;
  replayed: number;
  lateDuplicates: number;
  /** DLQ messages moved back to the loader queue at the day's end (parked ones and any others). */
  redriven: number;
  /** Files that reached the DLQ by themselves (not parked by the soak): a failure of the day. */
  deadLettered: string[];
  /** What the soak did besides traffic, in order. */
  events: string[];
  /** BigQuery jobs the pipeline created this day, and the bytes the emulator billed for them (the soak's own checks left out). */
  jobs: number;
  bytesBilled: number;
  checks: TableCheck[];
  passed: boolean;
}

export interface SoakReport {
  options: SoakOptions;
  days: DayReport[];
  wallMs: number;
  passed: boolean;
}

/** Jobs created in [fromMs, toMs] on the emulator's clock, and the bytes billed for them. */
export async function billing(
  bigquery: BigQuery,
  fromMs: number,
  toMs: number,
): Promise<{ jobs: number; bytesBilled: number }> {
  const [jobs] = await bigquery.getJobs({
    allUsers: true,
    minCreationTime: String(Math.floor(fromMs)),
    maxCreationTime: String(Math.floor(toMs)),
    projection: 'full',
    autoPaginate: true,
  });
  let total = 0;
  for (const job of jobs) {
    const statistics = job.metadata?.statistics as { query?: { totalBytesBilled?: string } } | undefined;
    total += Number(statistics?.query?.totalBytesBilled ?? 0);
  }
  return { jobs: jobs.length, bytesBilled: total };
}

export function dayLine(day: DayReport): string {
  const failed = day.checks.filter((check) => !checkPassed(check));
  const head = `day ${day.day + 1}: ${day.files} files, ${day.rows} rows, ${day.replayed} replayed, ${day.lateDuplicates} late duplicates, ${day.redriven} redriven, ${day.jobs} jobs, ${day.bytesBilled} bytes billed`;
  const viewFailed = (check: TableCheck) =>
    check.view !== undefined && check.view.missing + check.view.unexpected + check.view.different > 0;
  const problems = [
    ...(day.deadLettered.length
      ? [`${day.deadLettered.length} file(s) reached the DLQ: ${day.deadLettered.slice(0, 3).join(', ')}`]
      : []),
    ...failed.map(
      (check) =>
        `${check.table} (${check.kind}): _current ${check.current.rows} rows for ${check.expectedRows} expected${check.current.matches ? '' : ` ✗ ${check.current.examples.join('; ')}`}${check.view && viewFailed(check) ? `; view query ✗ missing ${check.view.missing}, unexpected ${check.view.unexpected}, different ${check.view.different}: ${check.view.examples.join('; ')}` : ''}`,
    ),
  ];
  const events = day.events.length ? `\n  events: ${day.events.join(' | ')}` : '';
  return `${head} — ${day.passed ? 'OK' : 'FAILED'}${events}${problems.map((p) => `\n  ✗ ${p}`).join('')}`;
}
