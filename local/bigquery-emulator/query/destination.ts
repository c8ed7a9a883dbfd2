import type { DuckDBConnection } from '@duckdb/node-api';
import { JobFailureError } from '../errors.js';
import type { Catalog } from '../store/catalog.js';
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
    if (existing === undefined || write === 'WRITE_TRUNCATE') {
      if (existing !== undefined) await connection.run(`DROP TABLE ${target}`);
      const resource = catalog.newTableResource(datasetId, tableId, {}, fields);
      if (existing !== undefined) resource.creationTime = existing.creationTime;
      await catalog.createTableIn(connection, resource);
    }
    await connection.run(`INSERT INTO ${target} BY NAME (${duckSql})`);
  });
}
