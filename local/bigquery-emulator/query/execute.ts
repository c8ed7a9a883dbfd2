import type { DuckDBConnection } from '@duckdb/node-api';
import { JobFailureError } from '../errors.js';
import { bignumericQueryError, bignumericToTextSql, isBignumericStorage } from '../store/bignumeric.js';
import type { Catalog } from '../store/catalog.js';
import type { QueryResult } from '../store/jobs.js';
import type { Warehouse } from '../store/warehouse.js';
import { bigQueryTypeOfDuckDb, quoteIdent, tableName } from '../types.js';
import { alterColumnType, parseAlterColumnType } from './alter-column.js';
import { QueryTranslationError } from './tokenizer.js';
import { type Statement, translateStatement } from './translate.js';

export interface QueryOutcome {
  result: QueryResult;
  statistics: Record<string, unknown>;
}

/** How each BigQuery type travels in the `f`/`v` rows: as BigQuery's own string form. */
function valueExpression(column: string, type: string): string {
  const ref = quoteIdent(column);
  switch (type) {
    case 'TIMESTAMP':
      return `CAST(epoch_us(${ref}) AS VARCHAR)`;
    case 'DATETIME':
      return `strftime(${ref}, '%Y-%m-%dT%H:%M:%S.%f')`;
    case 'BYTES':
      return `base64(${ref})`;
    case 'FLOAT':
      return `CASE WHEN isnan(${ref}) THEN 'NaN' WHEN isinf(${ref}) THEN (CASE WHEN ${ref} > 0 THEN 'Infinity' ELSE '-Infinity' END) ELSE CAST(${ref} AS VARCHAR) END`;
    default:
      return `CAST(${ref} AS VARCHAR)`;
  }
}

/** DuckDB's errors become BigQuery's job errors: a missing table is `notFound`, the rest `invalidQuery`. */
function queryFailure(error: unknown): JobFailureError {
  if (error instanceof JobFailureError) return error;
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  if (error instanceof QueryTranslationError) return new JobFailureError('invalidQuery', message, 'query');
  // BIGNUMERIC storage (store/bignumeric.ts): DuckDB's refusals of inexact operations, made clear.
  const bignumeric = bignumericQueryError(message);
  if (bignumeric !== undefined) return new JobFailureError('invalidQuery', bignumeric, 'query');
  if (/^Catalog Error: (Table|View|Schema) with name/.test(message)) {
    return new JobFailureError('notFound', `Not found: ${message.replace(/^Catalog Error: /, '')}`, 'query');
  }
  return new JobFailureError('invalidQuery', `Query error (DuckDB): ${message}`, 'query');
}

export class QueryRunner {
  constructor(
    private readonly warehouse: Warehouse,
    private readonly catalog: Catalog,
  ) {}

  /** Runs one statement; failures come back as JobFailureError, the way a DONE query job reports them. */
  async run(sql: string, defaultDatasetId?: string): Promise<QueryOutcome> {
    try {
      const context = {
        projectId: this.catalog.projectId,
        ...(defaultDatasetId ? { defaultDatasetId } : {}),
      };
      // Schema DDL has its own module; it never reaches query translation.
      const alter = parseAlterColumnType(sql);
      if (alter) return await alterColumnType(this.warehouse, this.catalog, alter, defaultDatasetId);
      const statement = translateStatement(sql, context);
      if (statement.type === 'SELECT') return await this.select(statement.sql, defaultDatasetId);
      return await this.ddl(statement);
    } catch (error) {
      throw queryFailure(error);
    }
  }

  private select(sql: string, defaultDatasetId: string | undefined): Promise<QueryOutcome> {
    return this.warehouse.withConnection(async (connection) => {
      if (defaultDatasetId !== undefined)
        await connection.run(`SET search_path = ${quoteIdent(defaultDatasetId)}`);
      const columns = (await connection.runAndReadAll(`DESCRIBE ${sql}`)).getRowObjectsJson();
      const fields = columns.map((column) => {
        const type = bigQueryTypeOfDuckDb(String(column.column_type));
        if (type === undefined) {
          throw new JobFailureError(
            'invalidQuery',
            `Result column ${String(column.column_name)} has type ${String(column.column_type)}, which the BigQuery emulator cannot return`,
            'query',
          );
        }
        return { name: String(column.column_name), type, mode: 'NULLABLE' };
      });
      const names = fields.map((_field, index) => `c${index}`);
      const inner = `SELECT * FROM (${sql}) AS q(${names.map(quoteIdent).join(', ')})`;
      // BIGNUMERIC storage (store/bignumeric.ts): exact STRUCT columns are written out as decimals.
      const value = (index: number, type: string): string =>
        isBignumericStorage(String(columns[index]?.column_type))
          ? bignumericToTextSql(quoteIdent(names[index] as string))
          : valueExpression(names[index] as string, type);
      const formatted = `SELECT ${fields.map((field, index) => value(index, field.type)).join(', ')} FROM (${inner})`;
      const reader = await connection.runAndReadAll(fields.length === 0 ? sql : formatted);
      const rows = reader
        .getRowsJson()
        .map((row) => row.map((value) => (value === null ? null : String(value))));
      const timestampColumns = fields.flatMap((field, index) => (field.type === 'TIMESTAMP' ? [index] : []));
      return {
        result: { schema: { fields }, rows, timestampColumns },
        statistics: {
          query: { statementType: 'SELECT', totalBytesProcessed: '0', cacheHit: false },
          totalBytesProcessed: '0',
        },
      };
    });
  }

  private ddl(statement: Exclude<Statement, { type: 'SELECT' }>): Promise<QueryOutcome> {
    const { datasetId, tableId } = statement.target;
    return this.warehouse.exclusive(async (connection) => {
      this.catalog.dataset(datasetId);
      const existing = this.catalog.findTable(datasetId, tableId);
      const target = { projectId: this.catalog.projectId, datasetId, tableId };
      const done = (statementType: string, operation: string): QueryOutcome => ({
        result: { rows: [], timestampColumns: [] },
        statistics: {
          query: {
            statementType,
            ddlOperationPerformed: operation,
            ddlTargetTable: target,
            totalBytesProcessed: '0',
          },
        },
      });
      if (statement.type === 'DROP_VIEW') {
        if (existing === undefined) {
          if (statement.ifExists) return done('DROP_VIEW', 'SKIP');
          throw new JobFailureError(
            'notFound',
            `Not found: Table ${this.catalog.projectId}:${datasetId}.${tableId}`,
            'query',
          );
        }
        await connection.run(`DROP VIEW ${tableName(datasetId, tableId)}`);
        await this.catalog.forgetTable(connection, datasetId, tableId);
        return done('DROP_VIEW', 'DROP');
      }
      if (existing !== undefined && statement.ifNotExists) return done('CREATE_VIEW', 'SKIP');
      if (existing !== undefined && !statement.replace) {
        throw new JobFailureError(
          'duplicate',
          `Already Exists: Table ${this.catalog.projectId}:${datasetId}.${tableId}`,
          'query',
        );
      }
      if (existing?.type === 'TABLE') {
        throw new JobFailureError(
          'invalidQuery',
          `${existing.id} is a table, not a view; drop it first`,
          'query',
        );
      }
      await this.createView(connection, datasetId, tableId, statement.sql, statement.source);
      return done('CREATE_VIEW', existing ? 'REPLACE' : 'CREATE');
    });
  }

  /** Creates (or replaces) a DuckDB view and registers it as a BigQuery VIEW; the caller holds the write lock. */
  async createView(
    connection: DuckDBConnection,
    datasetId: string,
    tableId: string,
    sql: string,
    source: string,
  ): Promise<void> {
    await connection.run(`CREATE OR REPLACE VIEW ${tableName(datasetId, tableId)} AS ${sql}`);
    const resource = this.catalog.newTableResource(datasetId, tableId, {}, []);
    resource.type = 'VIEW';
    resource.view = { query: source, useLegacySql: false };
    const previous = this.catalog.findTable(datasetId, tableId);
    if (previous !== undefined) resource.creationTime = previous.creationTime;
    await this.catalog.saveTable(connection, resource);
  }
}
