import type { SourceMapping, TableMapping } from '../../lambdas/shared/mappings/model.js';

/**
 * The table a column refers to, by the naming convention the example schema follows: a non-key
 * `<thing>_id` column refers to the table `<thing>s` (or `<thing>`) of the same source when that
 * table has a one-column primary key. `bets.user_id` → `users.id`, so the demo's first join finds
 * rows; a column with no such table keeps random values.
 */
export function referencedTable(
  mapping: SourceMapping,
  table: TableMapping,
  column: string,
): TableMapping | undefined {
  if (table.primaryKey.includes(column)) return undefined;
  const thing = /^(.+)_id$/.exec(column)?.[1];
  if (!thing) return undefined;
  return mapping.tables.find(
    (candidate) =>
      candidate !== table &&
      candidate.primaryKey.length === 1 &&
      (candidate.table === `${thing}s` || candidate.table === thing),
  );
}
