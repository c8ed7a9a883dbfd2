import type { JobLoadMetadata } from '@google-cloud/bigquery';
import type { Route } from '../routing.js';

/** DMS writes MySQL DECIMAL(p,s) as Parquet DECIMAL; wide ones do not fit NUMERIC. */
export const DECIMAL_TARGET_TYPES = ['NUMERIC', 'BIGNUMERIC', 'STRING'] as const;

/** BigQuery clusters by at most four columns. */
export const MAX_CLUSTERING_FIELDS = 4;

/** Label values: lowercase letters, digits, `_` and `-`, at most 63 characters. */
const labelValue = (value: string): string =>
  value
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_')
    .slice(0, 63);

/**
 * The load configuration of every DMS file (DESIGN decision 7: the table is the append-only
 * changelog). The schema comes from the file: new columns are added, NOT NULL columns may become
 * nullable, a type change fails the job. Partitioning and clustering are stated only by a load that
 * creates the table (`creating`, the default, also what `warehouse apply` creates tables with):
 * BigQuery rejects a load into an existing table whose layout differs from the load's, and takes the
 * table's layout when the load states none.
 *
 * Labels: the client's `createWriteStream` nests everything under `configuration.load`, so job-level
 * `configuration.labels` cannot be sent; the labels go on the table the load creates, and the job ID
 * carries source, schema and table for operators.
 */
export function loadConfiguration(route: Route, { creating = true } = {}): JobLoadMetadata {
  const layout: JobLoadMetadata = {
    // Ingestion-time partitioning: `_dms_timestamp` is a STRING and cannot partition the table.
    timePartitioning: { type: 'DAY' },
    ...(route.primaryKey.length > 0
      ? { clustering: { fields: route.primaryKey.slice(0, MAX_CLUSTERING_FIELDS) } }
      : {}),
  };
  return {
    sourceFormat: 'PARQUET',
    writeDisposition: 'WRITE_APPEND',
    createDisposition: 'CREATE_IF_NEEDED',
    schemaUpdateOptions: ['ALLOW_FIELD_ADDITION', 'ALLOW_FIELD_RELAXATION'],
    decimalTargetTypes: [...DECIMAL_TARGET_TYPES],
    parquetOptions: { enumAsString: true, enableListInference: true },
    ...(creating ? layout : {}),
    destinationTableProperties: {
      labels: {
        dms2bq_source: labelValue(route.source),
        dms2bq_schema: labelValue(route.schema),
        dms2bq_table: labelValue(route.table),
      },
    },
  };
}
