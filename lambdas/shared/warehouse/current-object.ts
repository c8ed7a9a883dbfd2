import type { BigQuery, TableField, TableMetadata } from '@google-cloud/bigquery';
import { CHANGE_ORDER_VERSION } from '../bigquery/change-sequence.js';
import { isAlreadyExists } from '../bigquery/errors.js';
import { currentViewName } from '../mappings/bigquery-names.js';
import type { Route } from '../routing.js';
import {
  cdcTableMetadata,
  createCurrentTable,
  sameKey,
  typeChanges,
  updateCurrentTable,
} from './current-table.js';
import { ORDER_LABEL } from './current-table-schema.js';
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
    const reordered = await markOldOrder(bigquery, route, existing, changelog);
    return {
      kind: 'table',
      change: details.length > 0 || reordered.length > 0 ? 'updated' : 'unchanged',
      details: [...details, ...reordered],
      backfillRows: backfillPending(existing) || reordered.length > 0 ? changelog.rows : 0,
    };
  }
  // Checked before anything is deleted: a table BigQuery would refuse leaves the old object alone.
  const metadata = cdcTableMetadata(route, changelog.fields);
  if (changelog.rows > 0) metadata.labels = { ...metadata.labels, [BACKFILL_LABEL]: 'pending' };
  if (existing === undefined) {
    await createOrAdopt(bigquery, route, metadata);
    return table('created');
  }
  // A view, or a CDC table keyed or typed differently from what the mapping and changelog say.
  await current.delete();
  await createOrAdopt(bigquery, route, metadata);
  return existing.type === 'VIEW' ? table('replaced-view') : table('rebuilt', rebuild);
}

/**
 * tables.insert of the CDC table. A loader creates a missing `_current` table itself (ADR 0025), so
 * it may win the name between apply's delete and insert: its table is new, so it lacks the history
 * too, and it gets the same backfill label instead of apply failing with 409 and the next apply
 * taking the table as filled.
 */
async function createOrAdopt(bigquery: BigQuery, route: Route, metadata: TableMetadata): Promise<void> {
  try {
    await createCurrentTable(bigquery, route, metadata);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    const table = bigquery.dataset(route.dataset).table(currentViewName(route.targetTable));
    const [adopted] = await table.getMetadata();
    if (!isCdcTable(adopted as CurrentMetadata)) {
      // A loader of the previous mode (still running during the deploy) put its view back.
      throw new WarehouseConflictError(
        `${route.dataset}.${currentViewName(route.targetTable)} was recreated as a ${(adopted as CurrentMetadata).type ?? 'table'} by a loader of the previous "current" mode while apply replaced it; run dms2bq warehouse apply again once the deploy has finished`,
      );
    }
    const labels = { ...((adopted as CurrentMetadata).labels ?? {}), ...metadata.labels };
    await table.setMetadata({ labels });
  }
}

/**
 * A CDC table whose sequence numbers follow an older change order (no `dms2bq_order` label, or
 * another version: ADR 0040) ranks new changes against old numbers meaninglessly, so it is labelled
 * for the backfill: `apply --backfill` (what CD runs) recreates it with numbers of this order, and
 * every apply until then reports it. A table over an empty changelog has no old numbers to fix.
 */
async function markOldOrder(
  bigquery: BigQuery,
  route: Route,
  existing: CurrentMetadata,
  changelog: ChangelogState,
): Promise<string[]> {
  const labels = existing.labels ?? {};
  if (labels[ORDER_LABEL] === CHANGE_ORDER_VERSION || labels[BACKFILL_LABEL] === 'pending') return [];
  const table = bigquery.dataset(route.dataset).table(currentViewName(route.targetTable));
  if (changelog.rows === 0) {
    await table.setMetadata({ labels: { ...labels, [ORDER_LABEL]: CHANGE_ORDER_VERSION } });
    return [];
  }
  await table.setMetadata({ labels: { ...labels, [BACKFILL_LABEL]: 'pending' } });
  return [
    `its sequence numbers follow change order ${labels[ORDER_LABEL] ?? '1'}, this release's is ${CHANGE_ORDER_VERSION}: it is rebuilt from the changelog by the backfill`,
  ];
}

/** Why an existing CDC table cannot be patched into shape: another key, or a column type that changed. */
function reasonsToRebuild(existing: CurrentMetadata, route: Route, changelog: ChangelogState): string[] {
  const before = existing.tableConstraints?.primaryKey?.columns ?? [];
  const key = sameKey(existing, route)
    ? []
    : [`its primary key was (${before.join(', ')}), the mapping's is (${route.primaryKey.join(', ')})`];
  return [...key, ...typeChanges(existing, changelog.fields)];
}
