import type { BigQuery, Job, TableField, TableMetadata } from '@google-cloud/bigquery';
import type { CdcStreamError, CdcStreamer, ChangeRow } from '../bigquery/cdc-stream.js';
import { isAlreadyExists, isNotFound } from '../bigquery/errors.js';
import { deleteIfExists } from '../bigquery/tables.js';
import { currentViewName } from '../mappings/bigquery-names.js';
import type { Route } from '../routing.js';
import { currentTableMetadata } from './current-table-schema.js';
import { changeOfRow, latestChangesQuery } from './rebuild-current-query.js';
import { DEFAULT_REBUILD_RETRY, type RebuildRetry, streamWithRetry } from './rebuild-retry.js';

/** The table cannot be rebuilt as asked (view mode, no changelog yet); nothing was changed. */
export class RebuildCurrentError extends Error {
  override name = 'RebuildCurrentError';
}

/**
 * Tombstones for keys deleted at the source within this window (by commit time). BigQuery keeps a
 * streamed DELETE "two days" to ignore older changes that arrive after it; the recreated table has
 * lost the loader's, so the rebuild streams them again, with a margin for DMS and SQS delays.
 */
export const DEFAULT_TOMBSTONE_WINDOW_MS = 7 * 86_400_000;
/** Rows per jobs.getQueryResults page: a few MB, well under the response size BigQuery caps. */
const DEFAULT_PAGE_ROWS = 10_000;

export interface RebuildCurrentOptions {
  bigquery: BigQuery;
  route: Route;
  streamer: CdcStreamer;
  /** Location of the query job (the dataset's). */
  location?: string;
  pageRows?: number;
  /** Deletes committed at or after this time are streamed as tombstones; null: none. */
  tombstonesSince?: Date | null;
  /** After each page is handed to the streamer; the next page waits for a returned promise. */
  onPage?: (streamedSoFar: number) => void | Promise<void>;
  /** Retries of the stream after a transient gRPC error or while the new table propagates. */
  retry?: RebuildRetry;
  onRetry?: (error: CdcStreamError, waitMs: number, attempt: number) => void;
}

export interface RebuildCurrentResult {
  table: string;
  upserts: number;
  deletes: number;
  requests: number;
  durationMs: number;
}

/**
 * Rebuilds `<target>_current` from its changelog: tables.delete, tables.insert from the changelog's
 * schema, then the latest change per key, page by page from a query job, streamed to the new table's
 * default stream with the sequence numbers the loader gives those changes.
 *
 * Racing the loader converges. The table is recreated BEFORE the query starts, so every change the
 * loader loads into the changelog either is in the query's snapshot or is loaded after it, and its
 * streaming (which follows its load) reaches the new table. A change the loader streamed into the
 * old table is in the snapshot. Where the loader and the rebuild both send a key, the higher
 * `_CHANGE_SEQUENCE_NUMBER` wins whatever the arrival order ("Stream table updates with change data
 * capture": "based on the larger `_CHANGE_SEQUENCE_NUMBER` between two matching records with the
 * same primary key"). A loader DELETE newer than a rebuild UPSERT wins even if it arrives first: "To
 * apply CDC `DELETE` operations that arrive out of order, BigQuery maintains a delete retention
 * window of two days" ("Deleted data considerations"). The recreated table has lost the loader's
 * earlier DELETEs, so an older UPSERT of a deleted key delivered late (SQS does not order files)
 * would bring the key back: the rebuild streams recent deletes as tombstones to keep them out.
 */
export async function rebuildCurrentTable(options: RebuildCurrentOptions): Promise<RebuildCurrentResult> {
  const started = Date.now();
  const { bigquery, route } = options;
  const name = currentViewName(route.targetTable);
  if (route.current !== 'table') {
    throw new RebuildCurrentError(
      `${route.dataset}.${name} is a view (bigquery.current "view"): it has nothing to rebuild; set "current": "table" in the mapping to make it a table`,
    );
  }
  const projectId = await bigquery.getProjectId();
  const changelogFields = await changelogSchema(bigquery, route);
  const fields = await recreate(bigquery, route, name, changelogFields);
  const query = latestChangesQuery(projectId, route, tombstoneStart(options.tombstonesSince));
  const [job] = await bigquery.createQueryJob({
    query,
    useLegacySql: false,
    ...(options.location ? { location: options.location } : {}),
  });
  let counts = { upserts: 0, deletes: 0 };
  const changes = async function* (): AsyncGenerator<ChangeRow[]> {
    counts = { upserts: 0, deletes: 0 };
    for await (const page of resultPages(job, options.pageRows ?? DEFAULT_PAGE_ROWS)) {
      const batch = page.rows.map((row) => changeOfRow(page.schema, row, route));
      for (const change of batch) counts[change.changeType === 'UPSERT' ? 'upserts' : 'deletes']++;
      if (batch.length > 0) yield batch;
      await options.onPage?.(counts.upserts + counts.deletes);
    }
  };
  const target = { projectId, dataset: route.dataset, table: name, fields };
  const { requests } = await streamWithRetry(
    () => options.streamer.append(target, changes()),
    fields,
    options.retry ?? DEFAULT_REBUILD_RETRY,
    options.onRetry,
  );
  return { table: `${route.dataset}.${name}`, ...counts, requests, durationMs: Date.now() - started };
}

const tombstoneStart = (since: Date | null | undefined): Date | undefined =>
  since === null ? undefined : (since ?? new Date(Date.now() - DEFAULT_TOMBSTONE_WINDOW_MS));

async function changelogSchema(bigquery: BigQuery, route: Route): Promise<TableField[]> {
  try {
    const [metadata] = await bigquery.dataset(route.dataset).table(route.targetTable).getMetadata();
    return ((metadata as TableMetadata).schema?.fields ?? []) as TableField[];
  } catch (error) {
    if (!isNotFound(error)) throw error;
    throw new RebuildCurrentError(
      `changelog ${route.dataset}.${route.targetTable} does not exist, so there is nothing to rebuild from: the loader creates it with the table's first file (or dms2bq warehouse apply, when the mapping declares columns)`,
    );
  }
}

/**
 * tables.delete then tables.insert. A loader that creates the table between the two (it does when a
 * table is missing) wins: that table is new too, and the rows streamed into it are kept.
 */
async function recreate(
  bigquery: BigQuery,
  route: Route,
  name: string,
  changelogFields: TableField[],
): Promise<TableField[]> {
  const table = bigquery.dataset(route.dataset).table(name);
  await deleteIfExists(table);
  const metadata = currentTableMetadata(route, changelogFields);
  try {
    await bigquery.dataset(route.dataset).createTable(name, metadata);
    return (metadata.schema?.fields ?? []) as TableField[];
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    const [existing] = await table.getMetadata();
    return ((existing as TableMetadata).schema?.fields ?? []) as TableField[];
  }
}

interface ResultPage {
  schema: TableField[];
  rows: unknown[];
}

/**
 * The query's rows one jobs.getQueryResults page at a time, unparsed (`skipParsing`: the client
 * would turn INT64 into lossy numbers and NUMERIC into Big objects), so at most one page is in memory.
 */
export async function* resultPages(job: Job, pageRows: number): AsyncGenerator<ResultPage> {
  let pageToken: string | undefined;
  for (;;) {
    const [rows, , response] = await job.getQueryResults({
      autoPaginate: false,
      maxResults: pageRows,
      skipParsing: true,
      ...(pageToken ? { pageToken } : {}),
    });
    // jobComplete false: the query still runs and the call returned after BigQuery's wait; ask again.
    if (response?.jobComplete === false) continue;
    yield { schema: (response?.schema?.fields ?? []) as TableField[], rows: rows as unknown[] };
    pageToken = response?.pageToken ?? undefined;
    if (!pageToken) return;
  }
}
