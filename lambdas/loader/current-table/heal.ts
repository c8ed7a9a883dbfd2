import type { BigQuery, TableField } from '@google-cloud/bigquery';
import type { CdcStreamer, ChangeRow } from '../../shared/bigquery/cdc-stream.js';
import { currentViewName } from '../../shared/mappings/bigquery-names.js';
import type { Route } from '../../shared/routing.js';
import { resultPages } from '../../shared/warehouse/rebuild-current.js';
import {
  changeOfRow,
  type FileTimestampRange,
  fileRowsPredicate,
  latestChangesOfKeysQuery,
} from '../../shared/warehouse/rebuild-current-query.js';

/** Rows per jobs.getQueryResults page, as the rebuild reads them. */
const PAGE_ROWS = 10_000;

export interface HealRequest {
  bigquery: BigQuery;
  streamer: CdcStreamer;
  location: string;
  projectId: string;
  route: Route;
  /** `<target>_current`'s fields, as the loader prepared them. */
  fields: TableField[];
  /** The file's `_dms_timestamp` range; absent: every key of the table is healed. */
  timestamps?: FileTimestampRange;
}

export interface HealResult {
  upserts: number;
  deletes: number;
  requests: number;
}

/**
 * Streams, for every key the file touched, the changelog's latest change of that key (a delete as a
 * DELETE) instead of the file's own rows, with the sequence numbers the loader gives those changes.
 * No older version of a key is sent, so nothing a forgotten DELETE would have stopped can come back
 * (ADR 0041). The changelog already holds the file: the load ran first.
 */
export async function healKeysFromChangelog(request: HealRequest): Promise<HealResult> {
  const { bigquery, route } = request;
  const query = latestChangesOfKeysQuery(request.projectId, route, fileRowsPredicate(request.timestamps));
  const [job] = await bigquery.createQueryJob({ query, useLegacySql: false, location: request.location });
  const counts = { upserts: 0, deletes: 0 };
  const changes = async function* (): AsyncGenerator<ChangeRow[]> {
    for await (const page of resultPages(job, PAGE_ROWS)) {
      const batch = page.rows.map((row) => changeOfRow(page.schema, row, route));
      for (const change of batch) counts[change.changeType === 'UPSERT' ? 'upserts' : 'deletes']++;
      if (batch.length > 0) yield batch;
    }
  };
  const target = {
    projectId: request.projectId,
    dataset: route.dataset,
    table: currentViewName(route.targetTable),
    fields: request.fields,
  };
  const { requests } = await request.streamer.append(target, changes());
  return { ...counts, requests };
}
