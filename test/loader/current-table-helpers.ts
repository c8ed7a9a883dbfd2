import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Route, RoutingTable } from '../../lambdas/shared/routing.js';
import type { BigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { betsRoute, s3Notification } from './fixtures.js';
import type { LoaderHarness } from './harness.js';

/** `bets` streaming to a `bets_current` CDC table. */
export const tableRoute: Route = { ...betsRoute, current: 'table' };
export const tableRouting: RoutingTable = { 'casino_a/game/bets': tableRoute };

/** Writes the rows of a DuckDB SELECT as Parquet with DuckDB's own writer (not ours), returns the bytes. */
export async function duckdbParquet(
  emulator: BigQueryEmulator,
  select: string,
  options = '',
): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'current-table-'));
  try {
    const path = join(dir, 'file.parquet');
    await emulator.query(`COPY (${select}) TO '${path}' (FORMAT parquet${options ? `, ${options}` : ''})`);
    return new Uint8Array(await readFile(path));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The deployed function's 300 s: a loader's wait must fit in what is left of it. */
export const FUNCTION_TIMEOUT_MS = 300_000;

/** Lands the file and invokes the handler with its notification; returns the failed message IDs. */
export async function deliver(
  harness: LoaderHarness,
  key: string,
  body?: Uint8Array,
  remainingMs?: number,
): Promise<string[]> {
  if (body) await harness.put(key, body);
  const response = await harness.invoke([s3Notification(harness.aws.bucket, key)], remainingMs);
  return response.batchItemFailures.map((failure) => failure.itemIdentifier);
}

/** The CDC table's rows straight from the emulator's DuckDB, ordered by id. */
export function currentState(harness: LoaderHarness, columns = '*'): Promise<Record<string, unknown>[]> {
  return harness.emulator.query(`SELECT ${columns} FROM "${tableRoute.dataset}".bets_current ORDER BY id`);
}

export async function loadJobCount(harness: LoaderHarness): Promise<number> {
  const [jobs] = await harness.bigquery.getJobs({ allUsers: true });
  return jobs.filter((job) => job.metadata?.configuration?.load !== undefined).length;
}
