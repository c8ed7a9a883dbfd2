import type { DuckDBConnection } from '@duckdb/node-api';
import { JobFailureError } from '../errors.js';
import type { Catalog } from '../store/catalog.js';
import { logicalBytes, type TableResource } from '../store/resources.js';
import { evolveSchema } from '../store/schema-rules.js';
import { inTransaction, type Warehouse } from '../store/warehouse.js';
import { quoteIdent, quoteString, storageType, type TableFieldSchema, tableName } from '../types.js';
import { type DecimalTarget, decimalTarget, type FileColumn, inspectParquet } from './parquet-schema.js';

export interface LoadConfiguration {
  destinationTable?: { projectId?: string; datasetId?: string; tableId?: string };
  sourceFormat?: string;
  createDisposition?: 'CREATE_IF_NEEDED' | 'CREATE_NEVER';
  writeDisposition?: 'WRITE_APPEND' | 'WRITE_TRUNCATE' | 'WRITE_EMPTY';
  schemaUpdateOptions?: string[];
  decimalTargetTypes?: DecimalTarget[];
  timePartitioning?: Record<string, unknown>;
  clustering?: { fields: string[] };
  /** Applied when the load creates the table. */
  destinationTableProperties?: { labels?: Record<string, string>; description?: string };
}

const failure = (reason: string, error: unknown): JobFailureError =>
  error instanceof JobFailureError
    ? error
    : new JobFailureError(
        reason,
        `Error while reading data, error message: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}`,
      );

/**
 * Runs a PARQUET load job from an uploaded file: one DuckDB transaction creates or evolves the table
 * and appends (or replaces) all rows, so a failure leaves the table exactly as it was.
 * Returns the job's `statistics`; throws JobFailureError for the job's `errorResult`.
 */
export async function executeLoad(
  warehouse: Warehouse,
  catalog: Catalog,
  config: LoadConfiguration,
  filePath: string,
  fileBytes: number,
): Promise<Record<string, unknown>> {
  const datasetId = config.destinationTable?.datasetId ?? '';
  const tableId = config.destinationTable?.tableId ?? '';
  if ((config.sourceFormat ?? 'CSV') !== 'PARQUET') {
    throw new JobFailureError(
      'invalid',
      `The BigQuery emulator loads only PARQUET files, not ${config.sourceFormat ?? 'CSV'}`,
    );
  }
  const tableRef = `${catalog.projectId}:${datasetId}.${tableId}`;
  try {
    catalog.dataset(datasetId);
  } catch {
    throw new JobFailureError('notFound', `Not found: Dataset ${catalog.projectId}:${datasetId}`);
  }
  const file = await inspectParquet(warehouse, filePath, config.decimalTargetTypes ?? ['NUMERIC']);
  const options = new Set(config.schemaUpdateOptions ?? []);
  const rowCount = await warehouse
    .exclusive((connection) =>
      inTransaction(connection, async () => {
        const existing = catalog.findTable(datasetId, tableId);
        const target = planTarget(catalog, config, existing, file.columns, tableRef, datasetId, tableId);
        if (existing?.type === 'TABLE' && config.writeDisposition === 'WRITE_EMPTY') {
          const rows = await connection.runAndReadAll(
            `SELECT count(*) AS n FROM ${tableName(datasetId, tableId)}`,
          );
          if (Number(rows.getRowsJson()[0]?.[0] ?? 0) > 0)
            throw new JobFailureError('duplicate', `Already Exists: Table ${tableRef}`);
        }
        await checkUnsigned(connection, filePath, file.columns);
        if (existing === undefined || config.writeDisposition === 'WRITE_TRUNCATE') {
          if (existing !== undefined) await connection.run(`DROP TABLE ${tableName(datasetId, tableId)}`);
          await catalog.createTableIn(connection, target.resource);
        } else {
          const change = evolve(tableRef, existing.schema.fields, file.columns, options);
          for (const field of change.added) {
            await connection.run(
              `ALTER TABLE ${tableName(datasetId, tableId)} ADD COLUMN ${quoteIdent(field.name)} ${storageType(field.type)}`,
            );
          }
          for (const name of change.relaxed) {
            await connection.run(
              `ALTER TABLE ${tableName(datasetId, tableId)} ALTER COLUMN ${quoteIdent(name)} DROP NOT NULL`,
            );
          }
          if (change.added.length > 0 || change.relaxed.length > 0) {
            await catalog.saveTable(connection, {
              ...existing,
              schema: { fields: change.fields },
              lastModifiedTime: String(Date.now()),
            });
          }
        }
        const fields = catalog.findTable(datasetId, tableId)?.schema.fields ?? [];
        const select = file.columns.map((column) => {
          const field = fields.find((f) => f.name.toLowerCase() === column.field.name.toLowerCase());
          return `CAST(${quoteIdent(column.field.name)} AS ${storageType(field?.type ?? column.field.type)})`;
        });
        const names = file.columns.map((column) => {
          const field = fields.find((f) => f.name.toLowerCase() === column.field.name.toLowerCase());
          return quoteIdent(field?.name ?? column.field.name);
        });
        const inserted = await connection.run(
          `INSERT INTO ${tableName(datasetId, tableId)} (${names.join(', ')}) SELECT ${select.join(', ')} FROM read_parquet(${quoteString(filePath)})`,
        );
        return inserted.rowsChanged;
      }),
    )
    .catch((error: unknown) => {
      throw failure('invalid', error);
    });
  const fixed = file.columns.reduce((sum, column) => sum + (logicalBytes[column.field.type] ?? 0), 0);
  return {
    load: {
      inputFiles: '1',
      inputFileBytes: String(fileBytes),
      outputRows: String(rowCount),
      outputBytes: String(fixed * rowCount + file.variableBytes),
      badRecords: '0',
    },
  };
}

/** The table the load writes: a new resource when it creates or truncates, checked dispositions otherwise. */
function planTarget(
  catalog: Catalog,
  config: LoadConfiguration,
  existing: TableResource | undefined,
  columns: FileColumn[],
  tableRef: string,
  datasetId: string,
  tableId: string,
): { resource: TableResource } {
  if (existing === undefined && config.createDisposition === 'CREATE_NEVER') {
    throw new JobFailureError('notFound', `Not found: Table ${tableRef}`);
  }
  if (existing?.type === 'VIEW')
    throw new JobFailureError('invalid', `Cannot load data into view ${tableRef}`);
  if (existing !== undefined && config.writeDisposition !== 'WRITE_TRUNCATE') return { resource: existing };
  const keep = existing ?? {
    timePartitioning: config.timePartitioning,
    clustering: config.clustering,
    labels: config.destinationTableProperties?.labels,
    description: config.destinationTableProperties?.description,
  };
  try {
    const resource = catalog.newTableResource(
      datasetId,
      tableId,
      { ...keep },
      columns.map((column) => column.field),
    );
    if (existing !== undefined) resource.creationTime = existing.creationTime;
    return { resource };
  } catch (error) {
    throw new JobFailureError('invalid', (error as Error).message);
  }
}

function evolve(tableRef: string, existing: TableFieldSchema[], columns: FileColumn[], options: Set<string>) {
  // A decimal loads into an existing NUMERIC/BIGNUMERIC/STRING column whenever it fits that type.
  const incoming = columns.map((column) => {
    const current = existing.find((field) => field.name.toLowerCase() === column.field.name.toLowerCase());
    const keepsType =
      column.decimal !== undefined &&
      current !== undefined &&
      decimalTarget(column.decimal.precision, column.decimal.scale, [current.type as DecimalTarget]) !==
        undefined;
    return keepsType && current ? { ...column.field, type: current.type } : column.field;
  });
  try {
    return evolveSchema(tableRef, existing, incoming, {
      allowFieldAddition: options.has('ALLOW_FIELD_ADDITION'),
      allowFieldRelaxation: options.has('ALLOW_FIELD_RELAXATION'),
      requireAllExisting: false,
    });
  } catch (error) {
    throw new JobFailureError('invalid', (error as Error).message);
  }
}

async function checkUnsigned(connection: DuckDBConnection, filePath: string, columns: FileColumn[]) {
  for (const column of columns.filter((c) => c.unsigned64)) {
    const name = quoteIdent(column.field.name);
    const result = await connection.runAndReadAll(
      `SELECT max(${name})::VARCHAR FROM read_parquet(${quoteString(filePath)}) WHERE ${name} > 9223372036854775807`,
    );
    const value = result.getRowsJson()[0]?.[0];
    if (value !== null && value !== undefined) {
      throw new JobFailureError(
        'invalid',
        `Value ${String(value)} in column ${column.field.name} is out of range for INT64`,
      );
    }
  }
}
