import type { TableField, TableMetadata } from '@google-cloud/bigquery';
import { CHANGE_ORDER_VERSION } from '../bigquery/change-sequence.js';
import { MAX_CLUSTERING_FIELDS } from '../bigquery/load-config.js';
import { CHANGE_SEQ_COLUMN, OP_COLUMN, SOURCE_CHANGED_AT_COLUMN, TIMESTAMP_COLUMN } from '../columns.js';
import { maxStalenessInterval } from '../mappings/staleness.js';
import type { Route } from '../routing.js';

/**
 * The `<table>_current` CDC table's columns, derived from its changelog's: the source columns in
 * changelog order, `Op` and `_dms_timestamp` dropped (`_CHANGE_TYPE` and the sequence number carry
 * them), `_source_changed_at` (the commit time, as in the view) and `_dms_change_seq` added. A column
 * the changelog gains later is appended to the table after these, as BigQuery appends columns.
 */
export function currentTableFields(changelogFields: readonly TableField[]): TableField[] {
  const source = changelogFields.filter(
    (field) =>
      field.name !== OP_COLUMN && field.name !== TIMESTAMP_COLUMN && field.name !== CHANGE_SEQ_COLUMN,
  );
  return [
    ...source.map((field) => ({ ...field, mode: 'NULLABLE' })),
    { name: SOURCE_CHANGED_AT_COLUMN, type: 'TIMESTAMP', mode: 'NULLABLE' },
    { name: CHANGE_SEQ_COLUMN, type: 'STRING', mode: 'NULLABLE' },
  ];
}

/** Label naming the change order of a CDC table's sequence numbers (`CHANGE_ORDER_VERSION`). */
export const ORDER_LABEL = 'dms2bq_order';

/**
 * tables.insert body of a CDC table (BigQuery "Stream table updates with change data capture"): a
 * `PRIMARY KEY … NOT ENFORCED` (tableConstraints), clustered by that key, and `max_staleness` when
 * the mapping sets one. Labelled with the change order its sequence numbers follow (ADR 0040), so a
 * later order change finds the tables it must rebuild.
 */
export function currentTableMetadata(route: Route, changelogFields: readonly TableField[]): TableMetadata {
  return {
    schema: { fields: currentTableFields(changelogFields) },
    tableConstraints: { primaryKey: { columns: [...route.primaryKey] } },
    clustering: { fields: route.primaryKey.slice(0, MAX_CLUSTERING_FIELDS) },
    labels: { [ORDER_LABEL]: CHANGE_ORDER_VERSION },
    ...(route.maxStaleness === undefined ? {} : { maxStaleness: maxStalenessInterval(route.maxStaleness) }),
  };
}
