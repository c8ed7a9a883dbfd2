import type { TableField } from '@google-cloud/bigquery';
import type { ChangeRow } from '../bigquery/cdc-stream.js';
import { dmsChangeSequence, dmsTimestampMicros } from '../bigquery/change-sequence.js';
import { CHANGE_SEQ_COLUMN, OP_COLUMN, SOURCE_CHANGED_AT_COLUMN, TIMESTAMP_COLUMN } from '../columns.js';
import type { Route } from '../routing.js';
import { canonicalValue, rowCells } from './rest-values.js';
import { changeOrder } from './views.js';

const quote = (identifier: string): string => `\`${identifier.replaceAll('`', '\\`')}\``;

/** DMS's `yyyy-MM-dd HH:mm:ss.SSSSSS` (UTC): fixed width, so text order is time order. */
export const dmsTimestampText = (at: Date): string => `${at.toISOString().slice(0, 23).replace('T', ' ')}000`;

/**
 * The latest change per primary key of the changelog, ranked exactly as the `_current` view ranks
 * it (views.ts `changeOrder`): every key whose latest
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
    `  QUALIFY ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY ${changeOrder('DESC')}) = 1`,
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

/** `_dms_timestamp` min/max of one landed file, from its Parquet footer's statistics. */
export interface FileTimestampRange {
  min: string;
  max: string;
}

const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;

/**
 * A predicate matching at least the changelog rows a file loaded: every row of the file has its
 * `_dms_timestamp` in the file's range (a change its commit time, a full-load row the load's start).
 * Rows of other files in that range match too, which only widens a heal: every key it touches ends
 * right. Without statistics (or with values that are not DMS timestamps) it matches every row.
 */
export function fileRowsPredicate(range: FileTimestampRange | undefined): string {
  if (range === undefined || !TIMESTAMP_TEXT.test(range.min) || !TIMESTAMP_TEXT.test(range.max))
    return 'TRUE';
  return `${TIMESTAMP_COLUMN} BETWEEN '${range.min}' AND '${range.max}'`;
}

/**
 * The latest change, deletes included, of every key that has a row matching `touched` (a
 * `fileRowsPredicate`): what a heal streams instead of a file too old to stream (ADR 0041).
 */
export function latestChangesOfKeysQuery(projectId: string, route: Route, touched: string): string {
  const changelog = quote(`${projectId}.${route.dataset}.${route.targetTable}`);
  const keys = route.primaryKey.map(quote);
  const partition = keys.join(', ');
  const join = keys.map((key) => `latest.${key} = touched.${key}`).join(' AND ');
  return [
    'SELECT latest.* FROM (',
    `  SELECT * FROM ${changelog}`,
    '  WHERE TRUE',
    `  QUALIFY ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY ${changeOrder('DESC')}) = 1`,
    ') AS latest',
    `JOIN (SELECT DISTINCT ${partition} FROM ${changelog} WHERE ${touched}) AS touched`,
    `ON ${join}`,
  ].join('\n');
}
