import type { BigQuery, TableField } from '@google-cloud/bigquery';
import { currentViewName } from '../mappings/bigquery-names.js';
import type { Route } from '../routing.js';
import {
  cdcTableMetadata,
  createCurrentTable,
  sameKey,
  typeChanges,
  updateCurrentTable,
} from './current-table.js';
import {
  applyCurrentView,
  type CurrentMetadata,
  currentMetadata,
  isCdcTable,
  type ViewChange,
} from './current-view.js';
import { WarehouseConflictError } from './errors.js';

/** The changelog table as `warehouse apply` finds (or has just created) it. */
export interface ChangelogState {
  fields: TableField[];
  rows: number;
}

export type CurrentOutcome =
  | { kind: 'view'; change: ViewChange | 'replaced-table' }
  | {
      kind: 'table';
      change: 'created' | 'replaced-view' | 'rebuilt' | 'updated' | 'unchanged';
      /** What an update changed, in words. */
      details: string[];
      /** Changelog rows the new, empty CDC table lacks until `warehouse rebuild-current` fills it. */
      backfillRows: number;
    };

/**
 * Label of a CDC table created empty over a changelog that already had rows. It stays until the
 * table is filled: `warehouse rebuild-current` (or `apply --backfill`) recreates the table without
 * it. So a later apply still knows the table needs its backfill, whoever created it.
 */
export const BACKFILL_LABEL = 'dms2bq_backfill';

const backfillPending = (metadata: CurrentMetadata | undefined): boolean =>
  metadata?.labels?.[BACKFILL_LABEL] === 'pending';

/**
 * Makes `<target>_current` what the route's mode asks: the view, or the CDC table. Switching mode
 * deletes the other kind first (tables.delete; BigQuery has no in-place conversion); a CDC table
 * is derived from the changelog, so deleting it loses nothing `warehouse rebuild-current` cannot
 * restore. Any other object under that name is refused with the fix.
 */
export async function applyCurrent(
  bigquery: BigQuery,
  route: Route,
  changelog: ChangelogState,
): Promise<CurrentOutcome> {
  const existing = await currentMetadata(bigquery, route);
  const current = bigquery.dataset(route.dataset).table(currentViewName(route.targetTable));
  if (route.current === 'view') {
    if (!isCdcTable(existing))
      return { kind: 'view', change: await applyCurrentView(bigquery, route, existing ?? null) };
    await current.delete();
    await applyCurrentView(bigquery, route, null);
    return { kind: 'view', change: 'replaced-table' };
  }

  const table = (change: 'created' | 'replaced-view' | 'rebuilt', details: string[] = []) => ({
    kind: 'table' as const,
    change,
    details,
    backfillRows: changelog.rows,
  });
  if (existing !== undefined && existing.type !== 'VIEW' && !isCdcTable(existing)) {
    throw new WarehouseConflictError(
      `${route.dataset}.${currentViewName(route.targetTable)} exists as ${existing.type === 'TABLE' ? 'a TABLE without a primary key' : `a ${existing.type ?? 'table'}`}, not the CDC table "current": "table" needs; rename or drop it, or set another "target" for ${route.schema}.${route.table}`,
    );
  }
  const rebuild =
    existing === undefined || !isCdcTable(existing) ? [] : reasonsToRebuild(existing, route, changelog);
  if (existing !== undefined && isCdcTable(existing) && rebuild.length === 0) {
    const details = await updateCurrentTable(bigquery, route, existing, changelog.fields);
    return {
      kind: 'table',
      change: details.length > 0 ? 'updated' : 'unchanged',
      details,
      backfillRows: backfillPending(existing) ? changelog.rows : 0,
    };
  }
  // Checked before anything is deleted: a table BigQuery would refuse leaves the old object alone.
  const metadata = cdcTableMetadata(route, changelog.fields);
  if (changelog.rows > 0) metadata.labels = { ...metadata.labels, [BACKFILL_LABEL]: 'pending' };
  if (existing === undefined) {
    await createCurrentTable(bigquery, route, metadata);
    return table('created');
  }
  // A view, or a CDC table keyed or typed differently from what the mapping and changelog say.
  await current.delete();
  await createCurrentTable(bigquery, route, metadata);
  return existing.type === 'VIEW' ? table('replaced-view') : table('rebuilt', rebuild);
}

/** Why an existing CDC table cannot be patched into shape: another key, or a column type that changed. */
function reasonsToRebuild(existing: CurrentMetadata, route: Route, changelog: ChangelogState): string[] {
  const before = existing.tableConstraints?.primaryKey?.columns ?? [];
  const key = sameKey(existing, route)
    ? []
    : [`its primary key was (${before.join(', ')}), the mapping's is (${route.primaryKey.join(', ')})`];
  return [...key, ...typeChanges(existing, changelog.fields)];
}
