import {
  CHANGE_SEQ_COLUMN,
  IS_DELETED_COLUMN,
  OP_COLUMN,
  SOURCE_CHANGED_AT_COLUMN,
  TIMESTAMP_COLUMN,
  VALID_FROM_COLUMN,
  VALID_TO_COLUMN,
} from '../columns.js';
import { historyViewName } from '../mappings/bigquery-names.js';
import type { Route } from '../routing.js';
import { changeOrder, quote } from './views.js';

/**
 * The query of the `<table>_history` view: every version (insert or update, full-load rows
 * included) of every key, in the change order `_current` ranks by. `_valid_from` is the version's
 * `_source_changed_at`; `_valid_to` is the key's next change's, the next version's or the delete's,
 * and NULL on the live version, so the ranges of a key's versions are contiguous until a delete.
 * `_is_deleted` marks the last version of a key whose last change is a delete: the `_valid_to` of a
 * last version is set only by a later delete. Rows with the same key, timestamp and change sequence
 * are one change loaded twice (ADR 0008) and count once. The columns are `_current`'s plus the three,
 * so `_history WHERE _valid_to IS NULL` is `_current` with them.
 */
export function historyViewQuery(projectId: string, route: Route): string {
  const changelog = quote(`${projectId}.${route.dataset}.${route.targetTable}`);
  const key = route.primaryKey.map(quote).join(', ');
  const changedAt = `TIMESTAMP(${TIMESTAMP_COLUMN})`;
  return [
    `SELECT * EXCEPT (${OP_COLUMN}, ${TIMESTAMP_COLUMN}, ${CHANGE_SEQ_COLUMN}, ${VALID_TO_COLUMN}), ${changedAt} AS ${SOURCE_CHANGED_AT_COLUMN},`,
    `  ${changedAt} AS ${VALID_FROM_COLUMN}, ${VALID_TO_COLUMN},`,
    `  ${VALID_TO_COLUMN} IS NOT NULL AND ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY ${changeOrder('DESC')}) = 1 AS ${IS_DELETED_COLUMN}`,
    'FROM (',
    `  SELECT *, TIMESTAMP(LEAD(${TIMESTAMP_COLUMN}) OVER (PARTITION BY ${key} ORDER BY ${changeOrder('ASC')})) AS ${VALID_TO_COLUMN}`,
    '  FROM (',
    `    SELECT * FROM ${changelog}`,
    '    WHERE TRUE',
    `    QUALIFY ROW_NUMBER() OVER (PARTITION BY ${key}, ${TIMESTAMP_COLUMN}, ${CHANGE_SEQ_COLUMN}) = 1`,
    '  )',
    ')',
    `WHERE ${OP_COLUMN} != 'D'`,
  ].join('\n');
}

/** The same view as DDL, for reviewers (`dms2bq plan`) and anyone creating it by hand. */
export function historyViewSql(projectId: string, route: Route): string {
  const view = quote(`${projectId}.${route.dataset}.${historyViewName(route.targetTable)}`);
  return `CREATE OR REPLACE VIEW ${view} AS\n${historyViewQuery(projectId, route)}`;
}
