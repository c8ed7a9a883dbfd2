import type { TableField } from '@google-cloud/bigquery';
import type { ChangeRow } from '../bigquery/cdc-stream.js';
import { dmsChangeSequence, dmsTimestampMicros } from '../bigquery/change-sequence.js';
import { CHANGE_SEQ_COLUMN, OP_COLUMN, SOURCE_CHANGED_AT_COLUMN, TIMESTAMP_COLUMN } from '../columns.js';
import type { Route } from '../routing.js';
import { canonicalValue, rowCells } from './rest-values.js';

const quote = (identifier: string): string => `\`${identifier.replaceAll('`', '\\`')}\``;

/** DMS's `yyyy-MM-dd HH:mm:ss.SSSSSS` (UTC): fixed width, so text order is time order. */
export const dmsTimestampText = (at: Date): string => `${at.toISOString().slice(0, 23).replace('T', ' ')}000`;

/**
 * The latest change per primary key of the changelog, ranked exactly as the `_current` view ranks
 * it (views.ts: `_dms_timestamp`, then `_dms_change_seq`, an empty one lowest): every key whose latest
 * change is live, and, as tombstones, those whose latest change is a delete committed at or after
 * `tombstonesSince` (rebuild-current.ts says why). The DMS columns stay, for the sequence numbers.
 */
export function latestChangesQuery(projectId: string, route: Route, tombstonesSince?: Date): string {
  const changelog = quote(`${projectId}.${route.dataset}.${route.targetTable}`);
  const partition = route.primaryKey.map(quote).join(', ');
  const tombstones =
    tombstonesSince === undefined ? '' : ` OR ${TIMESTAMP_COLUMN} >= '${dmsTimestampText(tombstonesSince)}'`;
  return [
    'SELECT * FROM (',
    `  SELECT * FROM ${changelog}`,
    '  WHERE TRUE',
    `  QUALIFY ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY ${TIMESTAMP_COLUMN} DESC, ${CHANGE_SEQ_COLUMN} DESC) = 1`,
    ')',
    `WHERE ${OP_COLUMN} != 'D'${tombstones}`,
  ].join('\n');
}

/**
 * One result row as the change the loader would stream for it: an UPSERT of the row's columns (minus
 * `Op` and `_dms_timestamp`, plus `_source_changed_at`), or a DELETE carrying only the key, with
 * the sequence number `dmsChangeSequence` gives that change.
 */
export function changeOfRow(schema: readonly TableField[], row: unknown, route: Route): ChangeRow {
  const cells = rowCells(schema, row);
  const timestamp = String(cells.get(TIMESTAMP_COLUMN) ?? '');
  const changeSeq = cells.get(CHANGE_SEQ_COLUMN);
  const sequence = dmsChangeSequence(timestamp, typeof changeSeq === 'string' ? changeSeq : null);
  const keep =
    cells.get(OP_COLUMN) === 'D'
      ? (field: TableField) => route.primaryKey.includes(field.name ?? '')
      : (field: TableField) => field.name !== OP_COLUMN && field.name !== TIMESTAMP_COLUMN;
  const values: Record<string, unknown> = {};
  for (const field of schema.filter(keep)) {
    values[field.name ?? ''] = canonicalValue(field, cells.get(field.name ?? ''));
  }
  if (cells.get(OP_COLUMN) === 'D') return { values, changeType: 'DELETE', sequence };
  values[SOURCE_CHANGED_AT_COLUMN] = dmsTimestampMicros(timestamp);
  return { values, changeType: 'UPSERT', sequence };
}
