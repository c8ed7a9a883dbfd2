import type { DuckDBConnection } from '@duckdb/node-api';
import { JobFailureError } from '../errors.js';
import type { Catalog } from '../store/catalog.js';
import { isIngestionTimePartitioned, pseudoColumnValues } from '../store/partitions.js';
import type { TableResource } from '../store/resources.js';
import { inTransaction } from '../store/warehouse.js';
import { type TableFieldSchema, tableName } from '../types.js';

/** A query job's `destinationTable` and dispositions (JobConfigurationQuery). */
export interface QueryDestination {
  datasetId: string;
  tableId: string;
  /** WRITE_EMPTY (BigQuery's default for query jobs), WRITE_TRUNCATE or WRITE_APPEND. */
  writeDisposition?: string;
  /** CREATE_IF_NEEDED (default) or CREATE_NEVER. */
  createDisposition?: string;
}

/**
 * Writes a query's rows to its destination table the way BigQuery does, atomically: the table is
 * created (CREATE_IF_NEEDED) with the result schema, replaced (WRITE_TRUNCATE), appended to
 * (WRITE_APPEND), or the job fails with `duplicate` when it holds rows under WRITE_EMPTY.
 *
 * Rows written to an ingestion-time partitioned table land in the partition of the clock's now, as a
 * load's do (ADR 0029): "By default, ingestion-time partitions are based on UTC time" and a query's
 * results go to a partition only through a decorator ("You can also write the results of a query to
 * a specific partition: bq query ... --destination_table='my_table$20160501'",
 * https://cloud.google.com/bigquery/docs/load-data-partitioned-tables), which the emulator does not
 * take. WRITE_TRUNCATE keeps the table's ingestion-time partitioning.
 */
export async function writeDestination(
  connection: DuckDBConnection,
  catalog: Catalog,
  destination: QueryDestination,
  duckSql: string,
  fields: TableFieldSchema[],
): Promise<void> {
  const { datasetId, tableId } = destination;
  const where = `${catalog.projectId}:${datasetId}.${tableId}`;
  catalog.dataset(datasetId);
  const existing = catalog.findTable(datasetId, tableId);
  const write = destination.writeDisposition ?? 'WRITE_EMPTY';
  if (existing?.type === 'VIEW') {
    throw new JobFailureError('invalid', `Cannot write query results to ${where}: it is a view`);
  }
  if (existing === undefined && destination.createDisposition === 'CREATE_NEVER') {
    throw new JobFailureError('notFound', `Not found: Table ${where}`);
  }
  const repeated = fields.find((field) => field.mode === 'REPEATED');
  if (repeated !== undefined) {
    throw new JobFailureError(
      'invalidQuery',
      `The BigQuery emulator cannot store the REPEATED column ${repeated.name} in a destination table`,
      'query',
    );
  }
  const target = tableName(datasetId, tableId);
  if (existing !== undefined && write === 'WRITE_EMPTY') {
    const count = (await connection.runAndReadAll(`SELECT count(*) FROM ${target}`)).getRows()[0]?.[0];
    if (Number(count) > 0) throw new JobFailureError('duplicate', `Already Exists: Table ${where}`);
  }
  await inTransaction(connection, async () => {
    let written: TableResource;
    if (existing === undefined || write === 'WRITE_TRUNCATE') {
      if (existing !== undefined) await connection.run(`DROP TABLE ${target}`);
      const kept = isIngestionTimePartitioned(existing)
        ? { timePartitioning: existing?.timePartitioning }
        : {};
      written = catalog.newTableResource(datasetId, tableId, kept, fields);
      if (existing !== undefined) written.creationTime = existing.creationTime;
      await catalog.createTableIn(connection, written);
    } else {
      written = existing;
    }
    // Ingested now, as a load's rows: the partition of the clock's now (none for other tables).
    const pseudo = pseudoColumnValues(written, catalog.clock.now());
    const rows =
      pseudo.names.length === 0
        ? duckSql
        : `SELECT *, ${pseudo.values.map((value, index) => `${value} AS ${pseudo.names[index]}`).join(', ')} FROM (${duckSql})`;
    await connection.run(`INSERT INTO ${target} BY NAME (${rows})`);
  });
}
