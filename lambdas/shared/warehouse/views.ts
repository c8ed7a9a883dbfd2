import { CHANGE_SEQ_COLUMN, OP_COLUMN, SOURCE_CHANGED_AT_COLUMN, TIMESTAMP_COLUMN } from '../columns.js';
import { currentViewName } from '../mappings/bigquery-names.js';
import type { Route } from '../routing.js';

export const quote = (identifier: string): string => `\`${identifier.replaceAll('`', '\\`')}\``;

/**
 * The second a row is ordered in (ADR 0040): a change's is the whole seconds of its `$AR_H_CHANGE_SEQ`
 * time part (`yyyyMMddHHmmss`, the first 14 of its 35 digits), a full-load row's (empty change seq)
 * those of its `_dms_timestamp`, the load's start.
 */
const orderSecond = `IF(IFNULL(${CHANGE_SEQ_COLUMN}, '') = '', REPLACE(REPLACE(REPLACE(SUBSTR(${TIMESTAMP_COLUMN}, 1, 19), '-', ''), ' ', ''), ':', ''), SUBSTR(LPAD(${CHANGE_SEQ_COLUMN}, 35, '0'), 1, 14))`;

/**
 * The pipeline's one change order within a key, oldest first (`ASC`) or newest first (`DESC`), the
 * order `dmsChangeSequence` (bigquery/change-sequence.ts) gives the CDC tables' sequence numbers:
 * by the row's second, then `_dms_change_seq` (a full-load row's empty one lowest, so a change of the
 * load's own second wins over it), then `_dms_timestamp` (full-load rows among themselves). Changes
 * follow DMS's change sequence alone; commit times never reorder them. `_current`, `_history` and
 * `rebuild-current` all rank by it, so the version `_current` shows is the one `_history` leaves open.
 */
export const changeOrder = (direction: 'ASC' | 'DESC'): string => {
  const keys = [orderSecond, `IFNULL(${CHANGE_SEQ_COLUMN}, '')`, TIMESTAMP_COLUMN];
  return keys.map((key) => (direction === 'DESC' ? `${key} DESC` : key)).join(', ');
};

/**
 * The query of the `<table>_current` view: the latest change per primary key, deletes dropped only
 * after the latest row is picked (or an older version would resurface), DMS bookkeeping columns
 * hidden and the commit time exposed as `_source_changed_at` (TIMESTAMP, from `_dms_timestamp`, DMS's
 * `yyyy-MM-dd HH:mm:ss.SSSSSS` in UTC; for full-loaded rows the task's start) so analysts can see how
 * fresh each row is and order by it. The latest change is the first in `changeOrder`.
 * Views are created from it with tables.insert/tables.patch (`view.query`, GoogleSQL), which
 * roles/bigquery.dataEditor allows; a `CREATE VIEW` query job would also need bigquery.jobs.create.
 */
export function currentViewQuery(projectId: string, route: Route): string {
  const changelog = quote(`${projectId}.${route.dataset}.${route.targetTable}`);
  const partition = route.primaryKey.map(quote).join(', ');
  return [
    `SELECT * EXCEPT (${OP_COLUMN}, ${TIMESTAMP_COLUMN}, ${CHANGE_SEQ_COLUMN}), TIMESTAMP(${TIMESTAMP_COLUMN}) AS ${SOURCE_CHANGED_AT_COLUMN}`,
    'FROM (',
    `  SELECT * FROM ${changelog}`,
    '  WHERE TRUE',
    `  QUALIFY ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY ${changeOrder('DESC')}) = 1`,
    ')',
    `WHERE ${OP_COLUMN} != 'D'`,
  ].join('\n');
}

/** The same view as DDL, for reviewers (`dms2bq plan`) and anyone creating it by hand. */
export function currentViewSql(projectId: string, route: Route): string {
  const view = quote(`${projectId}.${route.dataset}.${currentViewName(route.targetTable)}`);
  return `CREATE OR REPLACE VIEW ${view} AS\n${currentViewQuery(projectId, route)}`;
}
