import { JobFailureError } from '../errors.js';
import { BIGNUMERIC_FIELD, bignumericFromDecimalSql } from '../store/bignumeric.js';
import type { Catalog } from '../store/catalog.js';
import { pseudoColumnValues } from '../store/partitions.js';
import { logicalBytes, type TableResource } from '../store/resources.js';
import { evolveSchema } from '../store/schema-rules.js';
import type { Warehouse } from '../store/warehouse.js';
import { quoteIdent, quoteString, storageType, type TableFieldSchema, tableName } from '../types.js';
import { checkLayout, type LoadLayout } from './layout.js';
import { type DecimalTarget, decimalFits, type FileColumn, inspectParquet } from './parquet-schema.js';
import { checkValues } from './value-checks.js';
import { stageWideDecimals, WIDE_TABLE, wideScaledColumn, wideTextColumn } from './wide-decimals.js';

export interface LoadConfiguration extends LoadLayout {
  destinationTable?: { projectId?: string; datasetId?: string; tableId?: string };
  sourceFormat?: string;
  createDisposition?: 'CREATE_IF_NEEDED' | 'CREATE_NEVER';
  writeDisposition?: 'WRITE_APPEND' | 'WRITE_TRUNCATE' | 'WRITE_EMPTY';
  schemaUpdateOptions?: string[];
  decimalTargetTypes?: DecimalTarget[];
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
  nowMs: number,
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
  const table = tableName(datasetId, tableId);
  // Everything below commits together, catalog included: a failed load leaves no table, no column.
  const rowCount = await catalog
    .atomically(async (connection) => {
      const existing = catalog.findTable(datasetId, tableId);
      const target = planTarget(catalog, config, existing, file.columns, tableRef, datasetId, tableId);
      if (existing?.type === 'TABLE' && config.writeDisposition === 'WRITE_EMPTY') {
        const rows = await connection.runAndReadAll(`SELECT count(*) AS n FROM ${table}`);
        if (Number(rows.getRowsJson()[0]?.[0] ?? 0) > 0)
          throw new JobFailureError('duplicate', `Already Exists: Table ${tableRef}`);
      }
      let fields: TableFieldSchema[];
      if (existing === undefined || config.writeDisposition === 'WRITE_TRUNCATE') {
        fields = target.resource.schema.fields;
      } else {
        const change = evolve(tableRef, existing.schema.fields, file.columns, options);
        fields = change.fields;
        for (const field of change.added) {
          await connection.run(
            `ALTER TABLE ${table} ADD COLUMN ${quoteIdent(field.name)} ${storageType(field.type)}`,
          );
        }
        for (const name of change.relaxed) {
          await connection.run(`ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(name)} DROP NOT NULL`);
        }
        if (change.added.length > 0 || change.relaxed.length > 0) {
          await catalog.saveTable(connection, {
            ...existing,
            schema: { fields },
            lastModifiedTime: String(catalog.clock.now()),
          });
        }
      }
      const fieldOf = (column: FileColumn): TableFieldSchema =>
        fields.find((f) => f.name.toLowerCase() === column.field.name.toLowerCase()) ?? column.field;
      await checkValues(connection, filePath, file.columns, (column) => fieldOf(column).type);
      const wide = await stageWideDecimals(
        connection,
        filePath,
        file.columns.map((column) => ({ ...column, field: { ...column.field, type: fieldOf(column).type } })),
      );
      if (existing !== undefined && config.writeDisposition === 'WRITE_TRUNCATE') {
        await connection.run(`DROP TABLE ${table}`);
      }
      if (existing === undefined || config.writeDisposition === 'WRITE_TRUNCATE') {
        await catalog.createTableIn(connection, target.resource);
      }
      // Rows of an ingestion-time partitioned table land in the partition of the clock's now.
      const pseudo = pseudoColumnValues(target.resource, nowMs);
      const select = [
        ...file.columns.map((column) => columnValue(column, fieldOf(column).type)),
        ...pseudo.values,
      ];
      const names = [...file.columns.map((column) => quoteIdent(fieldOf(column).name)), ...pseudo.names];
      const source = wide
        ? `read_parquet(${quoteString(filePath)}, file_row_number = true) LEFT JOIN temp.${WIDE_TABLE} AS w ON w.row_number = file_row_number`
        : `read_parquet(${quoteString(filePath)})`;
      const inserted = await connection.run(
        `INSERT INTO ${table} (${names.join(', ')}) SELECT ${select.join(', ')} FROM ${source}`,
      );
      if (wide) await connection.run(`DROP TABLE temp.${WIDE_TABLE}`);
      return inserted.rowsChanged;
    })
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

/** The SQL giving a file column's values as the column's BigQuery type stores them. */
function columnValue(column: FileColumn, type: string): string {
  const ref = quoteIdent(column.field.name);
  if (column.decimal?.wide) {
    if (type === 'BIGNUMERIC')
      return `CASE WHEN w.${wideScaledColumn(column.field.name)} IS NULL THEN NULL ELSE {'${BIGNUMERIC_FIELD}': CAST(w.${wideScaledColumn(column.field.name)} AS BIGNUM)} END`;
    return `CAST(w.${wideTextColumn(column.field.name)} AS ${storageType(type)})`;
  }
  if (column.decimal !== undefined && type === 'BIGNUMERIC')
    return bignumericFromDecimalSql(ref, column.decimal.scale);
  return `CAST(${ref} AS ${storageType(type)})`;
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
  if (existing !== undefined) checkLayout(existing, config);
  if (existing !== undefined && config.writeDisposition !== 'WRITE_TRUNCATE') return { resource: existing };
  const keep = existing ?? {
    timePartitioning: config.timePartitioning,
    rangePartitioning: config.rangePartitioning,
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
      decimalFits(column.decimal.precision, column.decimal.scale, current.type);
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
