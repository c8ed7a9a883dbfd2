import { SOURCE_CHANGED_AT_COLUMN } from '../columns.js';
import { currentViewName } from '../mappings/bigquery-names.js';
import type { Route } from '../routing.js';
import { compareKind } from './canonical.js';
import { type DiffColumn, DiffSetupError, type DiffTable, type KeyColumn } from './columns.js';
import type { MysqlColumn } from './mysql-side.js';

export interface BigQueryField {
  name?: string;
  type?: string;
}

/**
 * The columns to compare: the source's, less those the mapping excludes (DMS removes them, so
 * `_current` has none). Each must be in `_current`; a key must be INT64 or STRING there, the types
 * whose order MySQL (with a binary collation) and BigQuery share.
 */
export function diffTableOf(input: {
  route: Route;
  projectId: string;
  excludeColumns: readonly string[];
  /** The mapping's `hashColumns`: compared as DMS's hash of the source value. */
  hashColumns?: readonly string[];
  sourceColumns: MysqlColumn[];
  currentFields: BigQueryField[];
}): DiffTable {
  const { route } = input;
  const current = currentViewName(route.targetTable);
  const where = `${route.source} ${route.schema}.${route.table}`;
  if (input.sourceColumns.length === 0) {
    throw new DiffSetupError(
      `the source has no table ${route.schema}.${route.table} (or the user cannot see its columns in information_schema); check --source-url and the grants`,
    );
  }
  const fields = new Map(input.currentFields.map((field) => [String(field.name).toLowerCase(), field]));
  const excluded = new Set(input.excludeColumns.map((name) => name.toLowerCase()));
  const hashed = new Set((input.hashColumns ?? []).map((name) => name.toLowerCase()));
  const columns: DiffColumn[] = input.sourceColumns
    .filter((column) => !excluded.has(column.name.toLowerCase()) && column.name !== SOURCE_CHANGED_AT_COLUMN)
    .map((column) => {
      const field = fields.get(column.name.toLowerCase());
      if (!field?.name || !field.type) {
        throw new DiffSetupError(
          `${where}: column ${column.name} is not in ${route.dataset}.${current}; list it in excludeColumns if DMS should drop it, or wait for a file that carries it (the loader adds new columns)`,
        );
      }
      return {
        name: column.name,
        bigqueryName: field.name,
        mysqlType: column.type,
        bigqueryType: field.type.toUpperCase(),
        kind: compareKind(column.type),
        ...(hashed.has(column.name.toLowerCase()) ? { hashed: true } : {}),
      };
    });
  const keys: KeyColumn[] = route.primaryKey.map((name) => {
    const column = columns.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
    if (!column) {
      throw new DiffSetupError(`${where}: primary key column ${name} is not a column of the source table`);
    }
    const kind = ['INTEGER', 'INT64'].includes(column.bigqueryType)
      ? 'int'
      : column.bigqueryType === 'STRING'
        ? 'string'
        : undefined;
    if (!kind) {
      throw new DiffSetupError(
        `${where}: key column ${name} is ${column.bigqueryType} in BigQuery; diff orders keys by INT64 or STRING columns only`,
      );
    }
    return { name: column.name, bigqueryName: column.bigqueryName, kind };
  });
  const keyNames = new Set(keys.map((key) => key.name));
  return {
    schema: route.schema,
    table: route.table,
    projectId: input.projectId,
    dataset: route.dataset,
    current,
    keys,
    columns: [
      ...keys.map((key) => columns.find((column) => column.name === key.name) as DiffColumn),
      ...columns.filter((column) => !keyNames.has(column.name)),
    ],
  };
}
