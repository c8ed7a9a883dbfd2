import type { DuckDBConnection } from '@duckdb/node-api';
import { JobFailureError } from '../errors.js';
import type { Catalog } from '../store/catalog.js';
import type { QueryResult } from '../store/jobs.js';
import { pseudoColumnsOf } from '../store/partitions.js';
import type { Warehouse } from '../store/warehouse.js';
import { quoteIdent, tableName } from '../types.js';
import { alterColumnType, parseAlterColumnType } from './alter-column.js';
import { type BytesEstimate, estimateBytes, noBytes } from './bytes.js';
import { type QueryDestination, writeDestination } from './destination.js';
import { installMacros } from './macros.js';
import { cellExpression, queryFailure, resultField } from './results.js';
import { type HiddenColumns, rewriteSelect, type TableRead } from './rewrite.js';
import { DuckDbSyntaxError } from './syntax.js';
import { QueryTranslationError } from './tokenizer.js';
import { type Statement, translateStatement } from './translate.js';

/** A DuckDB syntax error, told at the line and column of the GoogleSQL the user wrote. */
function located(error: unknown, statement: Statement | undefined): unknown {
  if (!(error instanceof DuckDbSyntaxError) || statement === undefined || statement.type === 'DROP_VIEW')
    return error;
  return statement.syntaxError(error);
}

export interface QueryOptions {
  defaultDatasetId?: string;
  destination?: QueryDestination;
  /** False for reads that are not queries (tabledata.list), which BigQuery does not bill. */
  measureBytes?: boolean;
}

export interface DryRunOutcome {
  statementType: string;
  bytes: BytesEstimate;
  schema?: { fields: { name: string; type: string; mode: string }[] };
}

export interface QueryOutcome {
  result: QueryResult;
  statistics: Record<string, unknown>;
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

  /** The pseudo-columns `SELECT *` must leave out, per table a query names. */
  private hiddenColumns(defaultDatasetId: string | undefined): HiddenColumns {
    return (datasetId, tableId) => {
      const dataset = datasetId || defaultDatasetId;
      const table = dataset === undefined ? undefined : this.catalog.findTable(dataset, tableId);
      return table === undefined ? [] : pseudoColumnsOf(table);
    };
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
  async run(sql: string, options: QueryOptions = {}): Promise<QueryOutcome> {
    let statement: Statement | undefined;
    try {
      // Schema DDL has its own module; it never reaches query translation.
      const alter = parseAlterColumnType(sql);
      if (alter) return await alterColumnType(this.warehouse, this.catalog, alter, options.defaultDatasetId);
      statement = this.translate(sql, options.defaultDatasetId);
      await this.ready();
      if (statement.type === 'SELECT') return await this.select(statement.sql, options);
      return await this.ddl(statement);
    } catch (error) {
      throw queryFailure(located(error, statement));
    }
  }

  /**
   * A dry run: the query is translated, its tables checked and its result schema bound, but nothing
   * runs, so run-time errors (division by zero) pass, as in BigQuery.
   */
  async dryRun(sql: string, defaultDatasetId?: string): Promise<DryRunOutcome> {
    let statement: Statement | undefined;
    try {
      const translated = this.translate(sql, defaultDatasetId);
      statement = translated;
      await this.ready();
      if (translated.type !== 'SELECT') return { statementType: translated.type, bytes: noBytes };
      return await this.warehouse.withConnection(async (connection) => {
        const { duckSql, fields } = await this.bind(connection, translated.sql, defaultDatasetId);
        const bytes = await estimateBytes(connection, this.catalog, duckSql);
        return { statementType: 'SELECT', schema: { fields }, bytes };
      });
    } catch (error) {
      throw queryFailure(located(error, statement));
    }
  }

  private translate(sql: string, defaultDatasetId: string | undefined): Statement {
    return translateStatement(sql, {
      projectId: this.catalog.projectId,
      ...(defaultDatasetId ? { defaultDatasetId } : {}),
    });
  }

  /** The DuckDB SQL of a translated SELECT and its BigQuery result schema, on a prepared connection. */
  private async bind(connection: DuckDBConnection, sql: string, defaultDatasetId: string | undefined) {
    if (defaultDatasetId !== undefined)
      await connection.run(`SET search_path = ${quoteIdent(defaultDatasetId)}`);
    // GoogleSQL sorts NULLs first in ascending order and last in descending order.
    await connection.run("SET default_null_order = 'NULLS_FIRST_ON_ASC_LAST_ON_DESC'");
    const rewritten = await rewriteSelect(connection, sql, this.hiddenColumns(defaultDatasetId));
    this.checkTables(rewritten.tables, defaultDatasetId);
    const columns = (await connection.runAndReadAll(`DESCRIBE ${rewritten.sql}`)).getRowObjectsJson();
    const fields = columns.map((column) =>
      resultField(String(column.column_name), String(column.column_type)),
    );
    return { duckSql: rewritten.sql, fields };
  }

  private select(sql: string, options: QueryOptions): Promise<QueryOutcome> {
    const { destination } = options;
    // Writing a destination table is a write: it takes the warehouse's write lock.
    const work = async (connection: DuckDBConnection): Promise<QueryOutcome> => {
      const { duckSql, fields } = await this.bind(connection, sql, options.defaultDatasetId);
      // Measured before the destination is written: a query bills what it reads, not what it writes.
      const bytes =
        options.measureBytes === false ? noBytes : await estimateBytes(connection, this.catalog, duckSql);
      if (destination) await writeDestination(connection, this.catalog, destination, duckSql, fields);
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
          query: {
            statementType: 'SELECT',
            totalBytesProcessed: bytes.totalBytesProcessed,
            totalBytesBilled: bytes.totalBytesBilled,
            totalBytesProcessedAccuracy: 'PRECISE',
            cacheHit: false,
          },
          totalBytesProcessed: bytes.totalBytesProcessed,
        },
      };
    };
    return destination ? this.warehouse.exclusive(work) : this.warehouse.withConnection(work);
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
            totalBytesBilled: '0',
          },
          totalBytesProcessed: '0',
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

  /**
   * Defines every view again from its GoogleSQL, after start-up added pseudo-columns to tables of an
   * older warehouse file: DuckDB expands a saved view's `*` when it is read, so without the new
   * EXCLUDE list the view would show `_PARTITIONTIME`. A view whose query no longer translates keeps
   * its old definition.
   */
  async redefineViews(): Promise<void> {
    await this.ready();
    for (const dataset of this.catalog.listDatasets()) {
      const datasetId = dataset.datasetReference.datasetId;
      for (const view of this.catalog.listTables(datasetId)) {
        if (view.type !== 'VIEW' || view.view === undefined) continue;
        const source = view.view.query;
        await this.warehouse
          .exclusive(async (connection) => {
            const statement = this.translate(source, datasetId);
            if (statement.type !== 'SELECT') return;
            await this.createView(connection, datasetId, view.tableReference.tableId, statement.sql, source);
          })
          .catch(() => undefined);
      }
    }
  }

  /**
   * Creates (or replaces) a DuckDB view and registers it as a BigQuery VIEW; the caller holds the write
   * lock. The macros the view calls were installed at start (`ready()`, awaited before serving).
   */
  async createView(
    connection: DuckDBConnection,
    datasetId: string,
    tableId: string,
    sql: string,
    source: string,
  ): Promise<void> {
    const { sql: duckSql } = await rewriteSelect(connection, sql, this.hiddenColumns(datasetId));
    await connection.run(`CREATE OR REPLACE VIEW ${tableName(datasetId, tableId)} AS ${duckSql}`);
    const resource = this.catalog.newTableResource(datasetId, tableId, {}, []);
    resource.type = 'VIEW';
    resource.view = { query: source, useLegacySql: false };
    const previous = this.catalog.findTable(datasetId, tableId);
    if (previous !== undefined) resource.creationTime = previous.creationTime;
    await this.catalog.saveTable(connection, resource);
  }
}
