import type { BigQuery } from '@google-cloud/bigquery';
import { isNotFound } from '../../../lambdas/shared/bigquery/errors.js';
import { TIMESTAMP_COLUMN } from '../../../lambdas/shared/columns.js';
import type { SourceMapping } from '../../../lambdas/shared/mappings/model.js';
import { targetTable } from '../../../lambdas/shared/mappings/model.js';
import { newestChange, parseDmsTimestamp } from '../../../lambdas/shared/reconcile/changelog.js';
import type { Route } from '../../../lambdas/shared/routing.js';
import { LOCAL_LOCATION } from '../../../local/pipeline/local-pipeline.js';
import { operatorBigQuery } from '../../bigquery.js';
import type { LocalEnvironment } from '../../local-environment.js';
import { age, count } from '../../text-table.js';

/** The newest `_dms_timestamp` in the changelogs the mappings route to, or undefined when empty. */
export async function newestLoadedChange(
  environment: Pick<LocalEnvironment, 'bigqueryEndpoint' | 'projectId' | 'location'>,
  mappings: readonly SourceMapping[],
): Promise<Date | undefined> {
  const bigquery = operatorBigQuery(
    environment.projectId,
    environment.location ?? LOCAL_LOCATION,
    environment.bigqueryEndpoint,
  );
  const tables = mappings.flatMap((mapping) =>
    mapping.tables.map((table) => ({ dataset: mapping.bigquery.dataset, targetTable: targetTable(table) })),
  );
  const newest = await Promise.all(
    tables.map((route) => newestChange(bigquery, environment.projectId, route)),
  );
  const times = newest.filter((time): time is Date => time !== undefined).map((time) => time.getTime());
  return times.length > 0 ? new Date(Math.max(...times)) : undefined;
}

/**
 * Where a simulated run starts when `--start` is not given: its changes end now, as a live
 * source's would, so status calls the tables fresh; but never before what the warehouse already
 * holds, so every change reaches `_current` (a change older than the loaded ones would lose to them).
 */
export function simulationStart(now: Date, minutes: number, newest: Date | undefined): Date {
  const endingNow = now.getTime() - Math.ceil(minutes * 60_000) - 60_000;
  return new Date(newest === undefined ? endingNow : Math.max(endingNow, newest.getTime() + 1_000));
}

/** What `local up` says the warehouse already holds, so a second run is never a surprise. */
export async function describeHoldings(
  bigquery: BigQuery,
  projectId: string,
  routes: readonly Pick<Route, 'dataset' | 'targetTable'>[],
  now: Date,
): Promise<string> {
  let tables = 0;
  let rows = 0;
  let newest: number | undefined;
  for (const route of routes) {
    const table = quote(`${projectId}.${route.dataset}.${route.targetTable}`);
    const [found] = await bigquery
      .query({ query: `SELECT COUNT(*) AS n, MAX(${TIMESTAMP_COLUMN}) AS newest FROM ${table}` })
      .catch((error: unknown) => {
        if (isNotFound(error)) return [[]];
        throw error;
      });
    const row = found[0] as { n: number | string; newest: string | null } | undefined;
    // `local up` creates every mapped table before anything loads: an empty one holds nothing.
    if (!row || Number(row.n) === 0) continue;
    tables++;
    rows += Number(row.n);
    const time = row.newest ? parseDmsTimestamp(row.newest)?.getTime() : undefined;
    if (time !== undefined) newest = Math.max(newest ?? time, time);
  }
  if (tables === 0) return 'warehouse: empty (simulate --out s3 starts its changes now)';
  const when =
    newest === undefined
      ? ''
      : `, newest change ${new Date(newest).toISOString()} (${age(now.getTime() - newest)} ago); simulate continues after it`;
  return `warehouse: ${count(rows)} changelog row(s) in ${tables} table(s) from earlier runs${when}; --fresh starts from an empty one`;
}

const quote = (name: string): string => `\`${name}\``;
