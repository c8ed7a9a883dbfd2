import type { BigQuery, TableField, TableMetadata } from '@google-cloud/bigquery';
import { currentViewName } from '../mappings/bigquery-names.js';
import { intervalValueSeconds, maxStalenessInterval, stalenessSeconds } from '../mappings/staleness.js';
import type { Route } from '../routing.js';
import { cdcTableProblems, googleSqlType } from './cdc-limits.js';
import { currentTableFields, currentTableMetadata } from './current-table-schema.js';
import type { CurrentMetadata } from './current-view.js';
import { WarehouseMappingError } from './errors.js';

/**
 * The tables.insert body of a route's CDC table over its changelog's columns, or a one-line error
 * naming the table and the fix when BigQuery would refuse it (cdc-limits.ts). Checked before
 * anything is deleted, so a refused mode switch leaves the old object in place.
 */
export function cdcTableMetadata(route: Route, changelogFields: readonly TableField[]): TableMetadata {
  const metadata = currentTableMetadata(route, changelogFields);
  const problems = cdcTableProblems(route.primaryKey, metadata.schema?.fields ?? []);
  if (problems.length > 0) {
    throw new WarehouseMappingError(
      `mappings/${route.source}.json: table ${route.schema}.${route.table} ("current": "table"): BigQuery would refuse its CDC table ${route.dataset}.${currentViewName(route.targetTable)}: ${problems.join('; ')}; fix its "primaryKey" or "excludeColumns", or set "current": "view" on it`,
    );
  }
  return metadata;
}

export async function createCurrentTable(
  bigquery: BigQuery,
  route: Route,
  metadata: TableMetadata,
): Promise<void> {
  await bigquery.dataset(route.dataset).createTable(currentViewName(route.targetTable), metadata);
}

/** The key a CDC table was created with equals the mapping's (BigQuery compares names case-insensitively). */
export function sameKey(existing: CurrentMetadata, route: Route): boolean {
  const columns = existing.tableConstraints?.primaryKey?.columns ?? [];
  return (
    columns.length === route.primaryKey.length &&
    columns.every((column, i) => column.toLowerCase() === route.primaryKey[i]?.toLowerCase())
  );
}

/**
 * Columns whose changelog type changed since the CDC table was created (the loader widens INT64 to
 * NUMERIC with ALTER COLUMN, ADR 0017): tables.patch cannot change a type, so the table is rebuilt.
 */
export function typeChanges(existing: CurrentMetadata, changelogFields: readonly TableField[]): string[] {
  const wanted = new Map(
    currentTableFields(changelogFields).map((field) => [(field.name ?? '').toLowerCase(), field.type]),
  );
  return (existing.schema?.fields ?? []).flatMap((field) => {
    const type = wanted.get((field.name ?? '').toLowerCase());
    if (type === undefined || googleSqlType(type) === googleSqlType(field.type ?? '')) return [];
    return [
      `its column ${field.name} is ${googleSqlType(field.type ?? '')}, the changelog's is ${googleSqlType(type)}`,
    ];
  });
}

/**
 * Brings an existing CDC table up to date with tables.patch: appends the columns its changelog
 * gained (BigQuery appends new NULLABLE columns; patch must repeat the existing ones) and sets
 * `maxStaleness` to the mapping's (null clears it). Returns what changed, in words.
 */
export async function updateCurrentTable(
  bigquery: BigQuery,
  route: Route,
  existing: CurrentMetadata,
  changelogFields: readonly TableField[],
): Promise<string[]> {
  const fields = existing.schema?.fields ?? [];
  const have = new Set(fields.map((field) => (field.name ?? '').toLowerCase()));
  const added = currentTableFields(changelogFields).filter(
    (field) => !have.has((field.name ?? '').toLowerCase()),
  );
  const patch: TableMetadata = {};
  const changes: string[] = [];
  if (added.length > 0) {
    patch.schema = { fields: [...fields, ...added] };
    changes.push(
      `added ${added.length === 1 ? 'column' : 'columns'} ${added.map((field) => field.name).join(', ')}`,
    );
  }
  const wanted = route.maxStaleness === undefined ? undefined : stalenessSeconds(route.maxStaleness);
  const stored =
    existing.maxStaleness === undefined ? undefined : intervalValueSeconds(existing.maxStaleness);
  if (wanted !== stored || (existing.maxStaleness !== undefined && stored === undefined)) {
    // TableMetadata types maxStaleness as a string; BigQuery's REST patch clears a field sent as null.
    Object.assign(patch, {
      maxStaleness: route.maxStaleness === undefined ? null : maxStalenessInterval(route.maxStaleness),
    });
    changes.push(`max_staleness ${existing.maxStaleness ?? 'none'} → ${route.maxStaleness ?? 'none'}`);
  }
  if (changes.length > 0) {
    await bigquery.dataset(route.dataset).table(currentViewName(route.targetTable)).setMetadata(patch);
  }
  return changes;
}
