import type { DuckDBConnection } from '@duckdb/node-api';
import { JobFailureError } from '../errors.js';
import type { Catalog } from '../store/catalog.js';
import type { QueryResult } from '../store/jobs.js';
import type { Warehouse } from '../store/warehouse.js';
import { bigQueryTypeOfDuckDb, quoteIdent, tableName } from '../types.js';
import { installMacros, numericText } from './macros.js';
import { rewriteSelect, type TableRead } from './rewrite.js';
import { QueryTranslationError } from './tokenizer.js';
import { type Statement, translateStatement } from './translate.js';

export interface QueryOutcome {
  result: QueryResult;
  statistics: Record<string, unknown>;
}

/** How each BigQuery type travels in the `f`/`v` rows: as BigQuery's own string form. */
function valueExpression(ref: string, type: string): string {
  switch (type) {
    case 'TIMESTAMP':
      return `CAST(epoch_us(${ref}) AS VARCHAR)`;
    case 'DATETIME':
      return `strftime(${ref}, '%Y-%m-%dT%H:%M:%S.%f')`;
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return numericText(ref);
    case 'BYTES':
      return `base64(${ref})`;
    case 'FLOAT':
      return `CASE WHEN isnan(${ref}) THEN 'NaN' WHEN isinf(${ref}) THEN (CASE WHEN ${ref} > 0 THEN 'Infinity' ELSE '-Infinity' END) ELSE CAST(${ref} AS VARCHAR) END`;
    default:
      return `CAST(${ref} AS VARCHAR)`;
  }
}

/** A result column: REPEATED when DuckDB returns a list, its values then travel as a JSON array. */
function resultField(name: string, duckType: string) {
  const list = /^(.*)\[\]$/.exec(duckType);
  const type = bigQueryTypeOfDuckDb(list ? (list[1] as string) : duckType);
  if (type === undefined || (list && /\[\]$/.test(list[1] as string))) {
    throw new JobFailureError(
      'invalidQuery',
      `Result column ${name} has type ${duckType}, which the BigQuery emulator cannot return`,
      'query',
    );
  }
  return { name, type, mode: list ? 'REPEATED' : 'NULLABLE' };
}

function cellExpression(column: string, field: { type: string; mode: string }): string {
  const ref = quoteIdent(column);
  if (field.mode !== 'REPEATED') return valueExpression(ref, field.type);
  return `CAST(to_json(list_transform(${ref}, e -> ${valueExpression('e', field.type)})) AS VARCHAR)`;
}

/** DuckDB's errors become BigQuery's job errors; messages never name DuckDB's internals. */
function queryFailure(error: unknown): JobFailureError {
  if (error instanceof JobFailureError) return error;
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  if (error instanceof QueryTranslationError) return new JobFailureError('invalidQuery', message, 'query');
  // Errors BigQuery raises at run time (division by zero, bad casts) come from the macros.
  const raised = /^Invalid Input Error: BQ: (.*)$/.exec(message);
  if (raised) return new JobFailureError('invalidQuery', raised[1] as string, 'query');
  const fn = /^Catalog Error: (Scalar|Aggregate|Table) Function with name "?([^" ]+)"? does not exist/.exec(
    message,
  );
  if (fn) return new JobFailureError('invalidQuery', `Function not found: ${fn[2]}`, 'query');
  const column = /^Binder Error: Referenced column "?([^" ]+)"? not found/.exec(message);
  if (column) return new JobFailureError('invalidQuery', `Unrecognized name: ${column[1]}`, 'query');
  const detail = message.replace(/^[A-Za-z ]+ Error: /, '');
  return new JobFailureError(
    'invalidQuery',
    `Query error: ${detail} (the BigQuery emulator could not run this query; the construct may not be emulated)`,
    'query',
  );
}

export class QueryRunner {
  private macros: Promise<void> | undefined;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly catalog: Catalog,
  ) {}

  /** Installs the GoogleSQL macros once per emulator (again after a failed attempt). */
  ready(): Promise<void> {
    this.macros ??= this.warehouse.exclusive(installMacros).catch((error: unknown) => {
      this.macros = undefined;
      throw error;
    });
    return this.macros;
  }

  /** A missing table or dataset is reported before DuckDB sees the query, in BigQuery's words. */
  private checkTables(tables: TableRead[], defaultDatasetId: string | undefined): void {
    for (const read of tables) {
      const datasetId = read.datasetId || defaultDatasetId;
      if (datasetId === undefined) {
        throw new QueryTranslationError(
          `Table name "${read.tableId}" missing dataset while no default dataset is set in the request.`,
        );
      }
      const dataset = this.catalog.listDatasets().find((d) => d.datasetReference.datasetId === datasetId);
      const where = `${this.catalog.projectId}:${datasetId}`;
      if (dataset === undefined) {
        throw new JobFailureError(
          'notFound',
          `Not found: Dataset ${where} was not found in location ${this.catalog.location}`,
          'query',
        );
      }
      if (this.catalog.findTable(datasetId, read.tableId) === undefined) {
        throw new JobFailureError(
          'notFound',
          `Not found: Table ${where}.${read.tableId} was not found in location ${dataset.location}`,
          'query',
        );
      }
    }
  }

  /** Runs one statement; failures come back as JobFailureError, the way a DONE query job reports them. */
  async run(sql: string, defaultDatasetId?: string): Promise<QueryOutcome> {
    try {
      const context = {
        projectId: this.catalog.projectId,
        ...(defaultDatasetId ? { defaultDatasetId } : {}),
      };
      const statement = translateStatement(sql, context);
      await this.ready();
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
      // GoogleSQL sorts NULLs first in ascending order and last in descending order.
      await connection.run("SET default_null_order = 'NULLS_FIRST_ON_ASC_LAST_ON_DESC'");
      const rewritten = await rewriteSelect(connection, sql);
      this.checkTables(rewritten.tables, defaultDatasetId);
      const duckSql = rewritten.sql;
      const columns = (await connection.runAndReadAll(`DESCRIBE ${duckSql}`)).getRowObjectsJson();
      const fields = columns.map((column) =>
        resultField(String(column.column_name), String(column.column_type)),
      );
      const names = fields.map((_field, index) => `c${index}`);
      const inner = `SELECT * FROM (${duckSql}) AS q(${names.map(quoteIdent).join(', ')})`;
      const formatted = `SELECT ${fields.map((field, index) => cellExpression(names[index] as string, field)).join(', ')} FROM (${inner})`;
      const reader = await connection.runAndReadAll(fields.length === 0 ? duckSql : formatted);
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
    await installMacros(connection);
    const { sql: duckSql } = await rewriteSelect(connection, sql);
    await connection.run(`CREATE OR REPLACE VIEW ${tableName(datasetId, tableId)} AS ${duckSql}`);
    const resource = this.catalog.newTableResource(datasetId, tableId, {}, []);
    resource.type = 'VIEW';
    resource.view = { query: source, useLegacySql: false };
    const previous = this.catalog.findTable(datasetId, tableId);
    if (previous !== undefined) resource.creationTime = previous.creationTime;
    await this.catalog.saveTable(connection, resource);
  }
}
