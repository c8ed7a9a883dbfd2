import type { DuckDBConnection } from '@duckdb/node-api';
import type { EmulatorClock } from '../clock.js';
import { BigQueryApiError, duplicate, invalid, notFound } from '../errors.js';
import {
  bigQueryTypeOfDuckDb,
  quoteIdent,
  quoteString,
  storageType,
  type TableFieldSchema,
  tableName,
  validDatasetId,
  validTableId,
} from '../types.js';
import { defaultDatasetAccess, normalizeAccess } from './dataset-access.js';
import { sizeQuery } from './logical-size.js';
import { MetadataStore } from './metadata.js';
import { pseudoColumnDefinitions, pseudoColumnsOf, pseudoColumnValues } from './partitions.js';
import type { DatasetResource, TableResource } from './resources.js';
import { checkClustering, checkTableConstraints, evolveSchema, normalizeFields } from './schema-rules.js';
import { inTransaction, type Warehouse } from './warehouse.js';

/** Fields a tables.insert/patch may set besides the schema, stored and returned as given. */
const passThroughTableFields = [
  'timePartitioning',
  'rangePartitioning',
  'clustering',
  'labels',
  'description',
  'tableConstraints',
  'maxStaleness',
] as const;

/** Called inside the exclusive write that drops a table, so its side state goes with it. */
export type TableDropHook = (
  connection: DuckDBConnection,
  datasetId: string,
  tableId: string,
) => Promise<void>;

/** Called inside the exclusive write that saves a table resource (created, patched, evolved by a load). */
export type TableSaveHook = (
  connection: DuckDBConnection,
  previous: TableResource | undefined,
  next: TableResource,
) => Promise<void>;

/**
 * Datasets (DuckDB schemas) and tables (DuckDB tables or views) with their BigQuery resources.
 * The resources live in memory and in the metadata store; every change runs as an exclusive write.
 */
export class Catalog {
  private datasets = new Map<string, DatasetResource>();
  private tables = new Map<string, TableResource>();
  /** Table changes made inside `atomically`, per connection: visible to no one until COMMIT. */
  private readonly staged = new Map<DuckDBConnection, Map<string, TableResource | undefined>>();
  /** State other parts keep per table (CDC sequence numbers), dropped in the same write as the table. */
  private readonly dropHooks: TableDropHook[] = [];
  /** State other parts keep about schema changes (their times), written in the same write. */
  private readonly saveHooks: TableSaveHook[] = [];
  /** True when start-up gave older tables their pseudo-columns, so views over them must be redefined. */
  private pseudoColumnsAdded = false;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly metadata: MetadataStore,
    readonly projectId: string,
    readonly location: string,
    /** Creation and modification times come from the emulator's clock. */
    readonly clock: EmulatorClock,
  ) {}

  get addedPseudoColumns(): boolean {
    return this.pseudoColumnsAdded;
  }

  onTableDropped(hook: TableDropHook): void {
    this.dropHooks.push(hook);
  }

  onTableSaved(hook: TableSaveHook): void {
    this.saveHooks.push(hook);
  }

  async init(): Promise<void> {
    this.datasets = await this.metadata.load<DatasetResource>('datasets');
    this.tables = await this.metadata.load<TableResource>('tables');
    await this.addMissingPseudoColumns();
  }

  /**
   * A warehouse written before the emulator kept `_PARTITIONTIME` gains the hidden columns; its rows
   * get the partition of the table's creation day, the earliest their load can have been.
   */
  private async addMissingPseudoColumns(): Promise<void> {
    const lacking = [...this.tables.values()].filter((table) => pseudoColumnsOf(table).length > 0);
    if (lacking.length === 0) return;
    await this.warehouse.exclusive(async (connection) => {
      for (const table of lacking) {
        if (await this.addPseudoColumns(connection, table)) this.pseudoColumnsAdded = true;
      }
    });
  }

  /** Adds the pseudo-columns a table's DuckDB table lacks, its rows at its creation day; true if any. */
  private async addPseudoColumns(connection: DuckDBConnection, table: TableResource): Promise<boolean> {
    const { datasetId, tableId } = table.tableReference;
    const existing = await connection.runAndReadAll(
      `SELECT column_name FROM duckdb_columns() WHERE schema_name = ${quoteString(datasetId)} AND table_name = ${quoteString(tableId)}`,
    );
    const names = new Set(existing.getRowsJson().map((row) => String(row[0])));
    if (names.size === 0) return false;
    const definitions = pseudoColumnDefinitions(table);
    const values = pseudoColumnValues(table, Number(table.creationTime));
    let added = false;
    for (const [index, name] of pseudoColumnsOf(table).entries()) {
      if (names.has(name)) continue;
      await connection.run(
        `ALTER TABLE ${tableName(datasetId, tableId)} ADD COLUMN ${definitions[index]} DEFAULT ${values.values[index]}`,
      );
      // The DEFAULT filled the rows there are; later loads set the column themselves.
      await connection.run(
        `ALTER TABLE ${tableName(datasetId, tableId)} ALTER COLUMN ${quoteIdent(name)} DROP DEFAULT`,
      );
      added = true;
    }
    return added;
  }

  listDatasets(): DatasetResource[] {
    return [...this.datasets.values()].sort((a, b) =>
      a.datasetReference.datasetId.localeCompare(b.datasetReference.datasetId),
    );
  }

  dataset(datasetId: string): DatasetResource {
    const dataset = this.datasets.get(datasetId);
    if (dataset === undefined) throw notFound(`Dataset ${this.projectId}:${datasetId}`);
    return dataset;
  }

  async createDataset(body: Partial<DatasetResource>): Promise<DatasetResource> {
    const datasetId = body.datasetReference?.datasetId ?? '';
    if (!validDatasetId(datasetId) || datasetId === MetadataStore.reservedSchema) {
      throw invalid(
        `Invalid dataset ID "${datasetId}". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.`,
      );
    }
    const now = String(this.clock.now());
    const resource: DatasetResource = {
      kind: 'bigquery#dataset',
      id: `${this.projectId}:${datasetId}`,
      datasetReference: { projectId: this.projectId, datasetId },
      location: body.location ?? this.location,
      access: body.access === undefined ? defaultDatasetAccess() : normalizeAccess(body.access),
      creationTime: now,
      lastModifiedTime: now,
    };
    for (const key of ['labels', 'description', 'friendlyName'] as const) {
      if (body[key] !== undefined) Object.assign(resource, { [key]: body[key] });
    }
    return this.warehouse.exclusive(async (connection) => {
      if (this.datasets.has(datasetId)) throw duplicate(`Dataset ${this.projectId}:${datasetId}`);
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(datasetId)}`);
      await this.metadata.put(connection, 'datasets', datasetId, resource);
      this.datasets.set(datasetId, resource);
      return resource;
    });
  }

  async patchDataset(datasetId: string, body: Partial<DatasetResource>): Promise<DatasetResource> {
    return this.warehouse.exclusive(async (connection) => {
      const resource = { ...this.dataset(datasetId), lastModifiedTime: String(this.clock.now()) };
      for (const key of ['labels', 'description', 'friendlyName'] as const) {
        if (body[key] !== undefined) Object.assign(resource, { [key]: body[key] });
      }
      if (body.access !== undefined) resource.access = normalizeAccess(body.access);
      await this.metadata.put(connection, 'datasets', datasetId, resource);
      this.datasets.set(datasetId, resource);
      return resource;
    });
  }

  async deleteDataset(datasetId: string, deleteContents: boolean): Promise<void> {
    await this.warehouse.exclusive(async (connection) => {
      this.dataset(datasetId);
      const tables = this.listTables(datasetId);
      if (tables.length > 0 && !deleteContents) {
        throw new BigQueryApiError(
          400,
          'resourceInUse',
          `Dataset ${this.projectId}:${datasetId} is still in use`,
        );
      }
      await connection.run(`DROP SCHEMA IF EXISTS ${quoteIdent(datasetId)} CASCADE`);
      for (const table of tables) {
        for (const hook of this.dropHooks) await hook(connection, datasetId, table.tableReference.tableId);
        await this.metadata.remove(connection, 'tables', `${datasetId}.${table.tableReference.tableId}`);
        this.tables.delete(`${datasetId}.${table.tableReference.tableId}`);
      }
      await this.metadata.remove(connection, 'datasets', datasetId);
      this.datasets.delete(datasetId);
    });
  }

  listTables(datasetId: string): TableResource[] {
    this.dataset(datasetId);
    return [...this.tables.values()]
      .filter((table) => table.tableReference.datasetId === datasetId)
      .sort((a, b) => a.tableReference.tableId.localeCompare(b.tableReference.tableId));
  }

  findTable(datasetId: string, tableId: string): TableResource | undefined {
    return this.tables.get(`${datasetId}.${tableId}`);
  }

  table(datasetId: string, tableId: string): TableResource {
    this.dataset(datasetId);
    const table = this.findTable(datasetId, tableId);
    if (table === undefined) throw notFound(`Table ${this.projectId}:${datasetId}.${tableId}`);
    return table;
  }

  /** The resource as tables.get returns it: with row and byte counts for tables, the live schema for views. */
  async describeTable(datasetId: string, tableId: string): Promise<Record<string, unknown>> {
    const table = this.table(datasetId, tableId);
    if (table.type === 'VIEW')
      return { ...table, schema: { fields: await this.viewFields(datasetId, tableId) } };
    // numBytes as BigQuery computes logical bytes, value by value (store/logical-size.ts).
    const [size] = await this.warehouse.rows(sizeQuery(tableName(datasetId, tableId), table.schema.fields));
    return { ...table, numRows: String(size?.n ?? 0), numBytes: String(size?.bytes ?? 0) };
  }

  async viewFields(datasetId: string, tableId: string): Promise<TableFieldSchema[]> {
    const columns = await this.warehouse.rows(`DESCRIBE SELECT * FROM ${tableName(datasetId, tableId)}`);
    return columns.map((column) => ({
      name: String(column.column_name),
      type: bigQueryTypeOfDuckDb(String(column.column_type)) ?? 'STRING',
      mode: 'NULLABLE',
    }));
  }

  newTableResource(
    datasetId: string,
    tableId: string,
    body: Record<string, unknown>,
    fields: TableFieldSchema[],
  ): TableResource {
    if (!validTableId(tableId)) throw invalid(`Invalid table ID "${tableId}".`);
    const now = String(this.clock.now());
    const resource: TableResource = {
      kind: 'bigquery#table',
      id: `${this.projectId}:${datasetId}.${tableId}`,
      tableReference: { projectId: this.projectId, datasetId, tableId },
      type: 'TABLE',
      schema: { fields },
      location: this.dataset(datasetId).location,
      creationTime: now,
      lastModifiedTime: now,
    };
    for (const key of passThroughTableFields) {
      if (body[key] !== undefined && body[key] !== null) Object.assign(resource, { [key]: body[key] });
    }
    checkClustering(resource);
    checkTableConstraints(resource);
    return resource;
  }

  /** CREATE TABLE for a resource, inside the caller's exclusive write. */
  async createTableIn(connection: DuckDBConnection, resource: TableResource): Promise<void> {
    const { datasetId, tableId } = resource.tableReference;
    const columns = resource.schema.fields.map(
      (field) =>
        `${quoteIdent(field.name)} ${storageType(field.type)}${field.mode === 'REQUIRED' ? ' NOT NULL' : ''}`,
    );
    // An ingestion-time partitioned table keeps each row's _PARTITIONTIME in hidden columns.
    columns.push(...pseudoColumnDefinitions(resource));
    await connection.run(`CREATE TABLE ${tableName(datasetId, tableId)} (${columns.join(', ')})`);
    await this.saveTable(connection, resource);
  }

  async saveTable(connection: DuckDBConnection, resource: TableResource): Promise<void> {
    const { datasetId, tableId } = resource.tableReference;
    const key = `${datasetId}.${tableId}`;
    const staged = this.staged.get(connection);
    const previous = staged?.has(key) ? staged.get(key) : this.tables.get(key);
    for (const hook of this.saveHooks) await hook(connection, previous, resource);
    await this.metadata.put(connection, 'tables', `${datasetId}.${tableId}`, resource);
    this.remember(connection, `${datasetId}.${tableId}`, resource);
  }

  async forgetTable(connection: DuckDBConnection, datasetId: string, tableId: string): Promise<void> {
    for (const hook of this.dropHooks) await hook(connection, datasetId, tableId);
    await this.metadata.remove(connection, 'tables', `${datasetId}.${tableId}`);
    this.remember(connection, `${datasetId}.${tableId}`, undefined);
  }

  /**
   * Runs `fn` as one exclusive DuckDB transaction whose catalog changes (saveTable, forgetTable,
   * createTableIn) reach the in-memory catalog only once it commits: a failed load leaves no table,
   * no column and no resource behind, as BigQuery's atomic jobs do.
   */
  atomically<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.warehouse.exclusive(async (connection) => {
      const changes = new Map<string, TableResource | undefined>();
      this.staged.set(connection, changes);
      try {
        const result = await inTransaction(connection, () => fn(connection));
        for (const [key, resource] of changes) {
          if (resource === undefined) this.tables.delete(key);
          else this.tables.set(key, resource);
        }
        return result;
      } finally {
        this.staged.delete(connection);
      }
    });
  }

  private remember(connection: DuckDBConnection, key: string, resource: TableResource | undefined): void {
    const changes = this.staged.get(connection);
    if (changes !== undefined) changes.set(key, resource);
    else if (resource === undefined) this.tables.delete(key);
    else this.tables.set(key, resource);
  }

  /** tables.insert for a table with a schema (views go through the query path). */
  async createTable(datasetId: string, body: Record<string, unknown>): Promise<TableResource> {
    const reference = body.tableReference as { tableId?: string } | undefined;
    const tableId = reference?.tableId ?? '';
    const schema = body.schema as { fields?: unknown } | undefined;
    const resource = this.newTableResource(datasetId, tableId, body, normalizeFields(schema?.fields ?? []));
    return this.warehouse.exclusive(async (connection) => {
      if (this.findTable(datasetId, tableId))
        throw duplicate(`Table ${this.projectId}:${datasetId}.${tableId}`);
      await this.createTableIn(connection, resource);
      return resource;
    });
  }

  /** tables.patch / tables.update: BigQuery's schema evolution rules (add NULLABLE columns, relax modes). */
  async patchTable(
    datasetId: string,
    tableId: string,
    body: Record<string, unknown>,
  ): Promise<TableResource> {
    return this.warehouse.exclusive(async (connection) => {
      const current = this.table(datasetId, tableId);
      const next: TableResource = { ...current, lastModifiedTime: String(this.clock.now()) };
      for (const key of passThroughTableFields) {
        if (body[key] !== undefined) Object.assign(next, { [key]: body[key] ?? undefined });
      }
      const schema = body.schema as { fields?: unknown } | undefined;
      if (schema?.fields !== undefined && current.type === 'TABLE') {
        let change: ReturnType<typeof evolveSchema>;
        try {
          change = evolveSchema(current.id, current.schema.fields, normalizeFields(schema.fields), {
            allowFieldAddition: true,
            allowFieldRelaxation: true,
            requireAllExisting: true,
          });
        } catch (error) {
          throw invalid((error as Error).message);
        }
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
        next.schema = { fields: change.fields };
      }
      checkClustering(next);
      checkTableConstraints(next);
      // A patch that partitions the table by ingestion time gives it the pseudo-columns `*` then leaves out.
      if (next.type === 'TABLE') await this.addPseudoColumns(connection, next);
      await this.saveTable(connection, next);
      return next;
    });
  }

  async deleteTable(datasetId: string, tableId: string): Promise<void> {
    await this.warehouse.exclusive(async (connection) => {
      const table = this.table(datasetId, tableId);
      await connection.run(
        `DROP ${table.type === 'VIEW' ? 'VIEW' : 'TABLE'} IF EXISTS ${tableName(datasetId, tableId)}`,
      );
      await this.forgetTable(connection, datasetId, tableId);
    });
  }
}
