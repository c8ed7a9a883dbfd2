import { JobFailureError } from '../errors.js';
import { bignumericFromDecimalSql, bignumericToTextSql } from '../store/bignumeric.js';
import type { Catalog } from '../store/catalog.js';
import type { Warehouse } from '../store/warehouse.js';
import { legacyTypeName, quoteIdent, storageType, tableName } from '../types.js';

/** The scale of the emulator's NUMERIC storage, DECIMAL(38, 9) (types.ts). */
const NUMERIC_SCALE = 9;

import type { QueryOutcome } from './execute.js';

/**
 * `ALTER TABLE … ALTER COLUMN … SET DATA TYPE …` with BigQuery's rules. The GoogleSQL DDL reference:
 * the statement "changes the data type of a column in a table in BigQuery to a less restrictive data
 * type"; which types are less restrictive is the "Coerce to" column of the Conversion rules page:
 * INT64 → NUMERIC, BIGNUMERIC, FLOAT64; NUMERIC → BIGNUMERIC, FLOAT64; BIGNUMERIC → FLOAT64.
 * Everything else (narrowing, STRING, dates, …) is refused. Kept apart from query translation: the
 * statement is recognised before translation and never reaches it.
 */
export interface AlterColumnType {
  ifExists: boolean;
  table: string[];
  column: string;
  columnIfExists: boolean;
  /** As written, e.g. `INT64`; BigQuery's messages use the GoogleSQL name. */
  newType: string;
}

const COERCIBLE: Record<string, readonly string[]> = {
  INTEGER: ['NUMERIC', 'BIGNUMERIC', 'FLOAT'],
  NUMERIC: ['BIGNUMERIC', 'FLOAT'],
  BIGNUMERIC: ['FLOAT'],
};

const GOOGLE_SQL_NAMES: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL' };
const googleSqlName = (legacy: string): string => GOOGLE_SQL_NAMES[legacy] ?? legacy;

const NAME = String.raw`(?:\x60[^\x60]+\x60|[A-Za-z0-9_.-]+)(?:\.(?:\x60[^\x60]+\x60|[A-Za-z0-9_-]+))*`;
const STATEMENT = new RegExp(
  String.raw`^\s*ALTER\s+TABLE\s+(IF\s+EXISTS\s+)?(${NAME})\s+ALTER\s+COLUMN\s+(IF\s+EXISTS\s+)?(\x60[^\x60]+\x60|[A-Za-z_][A-Za-z0-9_]*)\s+SET\s+DATA\s+TYPE\s+([A-Za-z0-9_]+(?:\s*\([^)]*\))?)\s*;?\s*$`,
  'i',
);

const unquote = (part: string): string => part.replace(/^`|`$/g, '');

/** The statement's parts, or undefined for any other statement (which goes on to translation). */
export function parseAlterColumnType(sql: string): AlterColumnType | undefined {
  const match = STATEMENT.exec(sql);
  if (!match) return undefined;
  const [, ifExists, name = '', columnIfExists, column = '', newType = ''] = match;
  return {
    ifExists: ifExists !== undefined,
    // `p.d.t`, `p`.`d`.`t` and p.d.t name the same table: project, dataset and table IDs hold no dots.
    table: name.replaceAll('`', '').split('.'),
    column: unquote(column),
    columnIfExists: columnIfExists !== undefined,
    newType: newType.replace(/\s+/g, '').toUpperCase(),
  };
}

const invalidQuery = (message: string) => new JobFailureError('invalidQuery', message, 'query');

export async function alterColumnType(
  warehouse: Warehouse,
  catalog: Catalog,
  statement: AlterColumnType,
  defaultDatasetId: string | undefined,
): Promise<QueryOutcome> {
  const [datasetId, tableId] = resolveTable(statement.table, catalog.projectId, defaultDatasetId);
  const target = { projectId: catalog.projectId, datasetId, tableId };
  const done = (operation: string): QueryOutcome => ({
    result: { rows: [], timestampColumns: [] },
    statistics: {
      query: { statementType: 'ALTER_TABLE', ddlOperationPerformed: operation, ddlTargetTable: target },
    },
  });
  if (/\(/.test(statement.newType)) {
    throw invalidQuery('The BigQuery emulator does not support parameterized types in SET DATA TYPE');
  }
  const wanted = legacyTypeName(statement.newType);
  if (wanted === undefined) throw invalidQuery(`Type not found: ${statement.newType}`);
  return warehouse.exclusive(async (connection) => {
    const table = catalog.findTable(datasetId, tableId);
    if (table === undefined) {
      if (statement.ifExists) return done('SKIP');
      throw new JobFailureError(
        'notFound',
        `Not found: Table ${catalog.projectId}:${datasetId}.${tableId}`,
        'query',
      );
    }
    if (table.type !== 'TABLE') throw invalidQuery(`${table.id} is a view; ALTER TABLE needs a table`);
    const index = table.schema.fields.findIndex(
      (f) => f.name.toLowerCase() === statement.column.toLowerCase(),
    );
    const field = table.schema.fields[index];
    if (field === undefined) {
      if (statement.columnIfExists) return done('SKIP');
      throw invalidQuery(`Column not found: ${statement.column} in table ${datasetId}.${tableId}`);
    }
    if (field.type === wanted) return done('ALTER');
    if (!(COERCIBLE[field.type] ?? []).includes(wanted)) {
      throw invalidQuery(
        `ALTER TABLE ALTER COLUMN SET DATA TYPE requires that the existing column type (${googleSqlName(field.type)}) is assignable to the new type (${googleSqlName(wanted)})`,
      );
    }
    const using = widening(field.type, wanted, quoteIdent(field.name));
    await connection.run(
      `ALTER TABLE ${tableName(datasetId, tableId)} ALTER COLUMN ${quoteIdent(field.name)} SET DATA TYPE ${storageType(wanted)}${using ? ` USING ${using}` : ''}`,
    );
    const fields = table.schema.fields.map((f, i) => (i === index ? { ...f, type: wanted } : f));
    await catalog.saveTable(connection, {
      ...table,
      schema: { fields },
      lastModifiedTime: String(catalog.clock.now()),
    });
    return done('ALTER');
  });
}

/**
 * How a stored value becomes the wider type, when DuckDB's own cast is not exact: BIGNUMERIC is an
 * exact scaled integer (store/bignumeric.ts), written from the decimal text of the old value; FLOAT64
 * from BIGNUMERIC goes through that text, the nearest double as BigQuery's conversion gives.
 */
function widening(from: string, to: string, ref: string): string | undefined {
  if (to === 'BIGNUMERIC') return bignumericFromDecimalSql(ref, from === 'NUMERIC' ? NUMERIC_SCALE : 0);
  if (from === 'BIGNUMERIC') return `CAST(${bignumericToTextSql(ref)} AS DOUBLE)`;
  return undefined;
}

/** `project.dataset.table`, `dataset.table` or `table` (with a default dataset). */
function resolveTable(
  parts: string[],
  projectId: string,
  defaultDatasetId: string | undefined,
): [string, string] {
  if (parts.length === 3 && parts[0] === projectId) return [parts[1] ?? '', parts[2] ?? ''];
  if (parts.length === 3)
    throw new JobFailureError('accessDenied', `Access Denied: Project ${parts[0]}`, 'query');
  if (parts.length === 2) return [parts[0] ?? '', parts[1] ?? ''];
  if (parts.length === 1 && defaultDatasetId) return [defaultDatasetId, parts[0] ?? ''];
  throw invalidQuery(`Table "${parts.join('.')}" must be qualified with a dataset (e.g. dataset.table).`);
}
