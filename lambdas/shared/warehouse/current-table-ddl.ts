import { loadConfiguration } from '../bigquery/load-config.js';
import { CHANGE_SEQ_COLUMN, SOURCE_CHANGED_AT_COLUMN } from '../columns.js';
import { currentViewName } from '../mappings/bigquery-names.js';
import type { TableMapping } from '../mappings/model.js';
import { stalenessDdl } from '../mappings/staleness.js';
import type { Route } from '../routing.js';
import { googleSqlType } from './cdc-limits.js';
import { changelogSchema } from './changelog-schema.js';
import { currentTableMetadata } from './current-table-schema.js';

const quote = (identifier: string): string => `\`${identifier.replaceAll('`', '\\`')}\``;

/**
 * The CDC table `warehouse apply` creates for a `"current": "table"` route, as the GoogleSQL DDL of
 * BigQuery's CDC example (`CREATE TABLE … PRIMARY KEY … NOT ENFORCED … CLUSTER BY … OPTIONS
 * (max_staleness = …)`), for reviewers (`dms2bq plan`). Apply itself uses tables.insert with the
 * same fields (current-table-schema.ts); without declared columns they come from the first file.
 */
export function currentTableSql(projectId: string, route: Route, table: TableMapping): string {
  const name = quote(`${projectId}.${route.dataset}.${currentViewName(route.targetTable)}`);
  const declared = (table.columns ?? []).length > 0;
  const changelog = declared
    ? changelogSchema(table, loadConfiguration(route).decimalTargetTypes ?? ['NUMERIC'])
    : [];
  const metadata = currentTableMetadata(route, changelog);
  const columns = (metadata.schema?.fields ?? []).map(
    (field) => `  ${quote(field.name ?? '')} ${googleSqlType(field.type ?? 'STRING')},`,
  );
  if (!declared) {
    const added = new Set([SOURCE_CHANGED_AT_COLUMN, CHANGE_SEQ_COLUMN].map(quote));
    const firstAdded = columns.findIndex((line) => added.has(line.trim().split(' ')[0] ?? ''));
    columns.splice(firstAdded, 0, "  -- the changelog's columns, once its first file has created it");
  }
  const key = route.primaryKey.map(quote).join(', ');
  const clustering = (metadata.clustering?.fields ?? []).map(quote).join(', ');
  return [
    `CREATE TABLE ${name} (`,
    ...columns,
    `  PRIMARY KEY (${key}) NOT ENFORCED`,
    ')',
    `CLUSTER BY ${clustering}`,
    ...(route.maxStaleness === undefined
      ? []
      : [`OPTIONS (max_staleness = ${stalenessDdl(route.maxStaleness)})`]),
  ].join('\n');
}
