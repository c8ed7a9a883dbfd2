import { Readable } from 'node:stream';
import type { BigQuery } from '@google-cloud/bigquery';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import { DEFAULT_RETRY_POLICY, Deadline } from '../../lambdas/shared/bigquery/deadline.js';
import { insertLoadJob, waitForJob } from '../../lambdas/shared/bigquery/jobs.js';
import { loadConfiguration } from '../../lambdas/shared/bigquery/load-config.js';
import type { DmsTaskView } from '../../lambdas/shared/dms/table-statistics.js';
import type { Route } from '../../lambdas/shared/routing.js';
import { EmulatorClock } from '../../local/bigquery-emulator/clock.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { betsRoute, dmsParquet } from '../loader/fixtures.js';

const PROJECT = 'local-project';
const LOCATION = 'US';

/**
 * A changelog table built day by day on the emulator: each file is loaded by the loader's own load
 * configuration (ingestion-time DAY partitions) at the emulator clock's time, so its rows land in
 * that day's partition as in BigQuery. Shared by test/reconcile/running-totals.test.ts and
 * bench/reconcile.bench.ts.
 */
export interface ChangelogHistory {
  emulator: BigQueryEmulator;
  bigquery: BigQuery;
  projectId: string;
  route: Route;
  /** Moves the emulator's clock to `time` (forward or back). */
  at(time: Date): void;
  now(): Date;
  /** Loads one DMS file of `rows` changes (Op I, I, U, …) stamped from `stamped` on, one per second. */
  land(rows: number, stamped: Date): Promise<void>;
  /** What the query jobs run by `work` processed and billed, from the emulator's job statistics. */
  measure<T>(
    work: () => Promise<T>,
  ): Promise<{ result: T; processed: number; billed: number; queries: number }>;
  stop(): Promise<void>;
}

export async function startChangelogHistory(start: Date): Promise<ChangelogHistory> {
  const clock = new EmulatorClock((start.getTime() - Date.now()) / 1000);
  const emulator = await startBigQueryEmulator({ port: 0, jobStateDelayMs: 0, clock });
  const bigquery = createBigQueryClient({
    projectId: PROJECT,
    location: LOCATION,
    credentials: { kind: 'none' },
    apiEndpoint: emulator.url,
    retryOptions: { autoRetry: false },
  });
  await bigquery.createDataset(betsRoute.dataset, { location: LOCATION });
  let files = 0;
  const jobIds = async (): Promise<Set<string>> => {
    const [jobs] = await bigquery.getJobs({ allUsers: true });
    return new Set(jobs.map((job) => job.id ?? ''));
  };
  return {
    emulator,
    bigquery,
    projectId: PROJECT,
    route: betsRoute,
    at: (time) => {
      clock.advance((time.getTime() - clock.now()) / 1000);
    },
    now: () => clock.date(),
    land: async (rows, stamped) => {
      const id = `history_file_${++files}`;
      const table = bigquery.dataset(betsRoute.dataset).table(betsRoute.targetTable);
      const body = Readable.from([Buffer.from(dmsParquet({ rows, start: stamped }))]);
      const job = await insertLoadJob(table, id, loadConfiguration(betsRoute), body);
      const done =
        job.state === 'DONE'
          ? job
          : await waitForJob(bigquery, LOCATION, id, new Deadline(Date.now() + 60_000), DEFAULT_RETRY_POLICY);
      if (done.errorResult) throw new Error(`loading ${id} failed: ${done.errorResult.message}`);
    },
    measure: async (work) => {
      const before = await jobIds();
      const result = await work();
      const [jobs] = await bigquery.getJobs({ allUsers: true });
      let processed = 0;
      let billed = 0;
      let queries = 0;
      for (const job of jobs) {
        const statistics = job.metadata?.statistics;
        if (before.has(job.id ?? '') || !statistics?.query) continue;
        queries += 1;
        processed += Number(statistics.query.totalBytesProcessed ?? 0);
        billed += Number(statistics.query.totalBytesBilled ?? 0);
      }
      return { result, processed, billed, queries };
    },
    stop: () => emulator.stop(),
  };
}

/** DMS's view of the task for one table: the counters the changelog should hold since `since`. */
export const taskView = (
  since: Date,
  counted: { inserts: number; updates: number },
  lastUpdateTime: Date,
): DmsTaskView => ({
  identifier: 'dms2bq-dev-casino-a',
  arn: 'arn:aws:dms:eu-west-1:111111111111:task:HISTORY',
  status: 'running',
  tables: [
    {
      schema: betsRoute.schema,
      table: betsRoute.table,
      state: 'Table completed',
      fullLoadRows: 0,
      inserts: counted.inserts,
      updates: counted.updates,
      deletes: 0,
      fullLoadStartTime: since,
      lastUpdateTime,
      reloaded: false,
    },
  ],
});
