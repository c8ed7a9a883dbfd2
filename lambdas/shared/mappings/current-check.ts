import { DECIMAL_TARGET_TYPES } from '../bigquery/load-config.js';
import {
  googleSqlType,
  MAX_CDC_TOP_LEVEL_COLUMNS,
  MAX_PRIMARY_KEY_COLUMNS,
  primaryKeyTypeAllowed,
  primaryKeyTypesText,
} from '../warehouse/cdc-limits.js';
import { bigQueryTypeOf, UnmappableColumnTypeError } from '../warehouse/changelog-schema.js';
import { currentMode, type MappingFile, type TableMapping } from './model.js';
import { type Problem, pointer } from './problem.js';
import { stalenessProblem } from './staleness.js';

/** `_source_changed_at` and `_dms_change_seq`, which the CDC table adds to the source's columns. */
const ADDED_COLUMNS = 2;
const VIEW_FIX = 'or set "current": "view" on this table';

/**
 * What BigQuery would refuse when `warehouse apply` creates a `"current": "table"` table's CDC
 * table (lambdas/shared/warehouse/cdc-limits.ts, ADR 0024), and a `maxStaleness` that would do
 * nothing. Tables without declared columns are checked by `warehouse apply` against the real
 * changelog schema instead.
 */
export function currentTableProblems({ file, mapping }: MappingFile): Problem[] {
  const problems: Problem[] = [];
  const tableMode = mapping.tables.map((table) => currentMode(mapping, table) === 'table');
  mapping.tables.forEach((table, index) => {
    if (!tableMode[index]) return;
    const at = (...path: (string | number)[]) => pointer('tables', index, ...path);
    const add = (path: string, message: string) => problems.push({ file, path, message });
    const name = `${table.schema}.${table.table}`;
    if (table.primaryKey.length > MAX_PRIMARY_KEY_COLUMNS) {
      add(
        at('primaryKey'),
        `${name} has a ${table.primaryKey.length}-column primary key, but a BigQuery CDC table ("current": "table") allows at most ${MAX_PRIMARY_KEY_COLUMNS}; key it by at most ${MAX_PRIMARY_KEY_COLUMNS} columns that identify a row, ${VIEW_FIX}`,
      );
    }
    if (!table.columns) return;
    for (const { k, message } of keyTypeProblems(table)) add(at('primaryKey', k), message);
    const excluded = new Set(table.excludeColumns ?? []);
    const columns = table.columns.filter((column) => !excluded.has(column.name)).length + ADDED_COLUMNS;
    if (columns > MAX_CDC_TOP_LEVEL_COLUMNS) {
      add(
        at('columns'),
        `${name}'s CDC table would have ${columns.toLocaleString('en-US')} columns (${ADDED_COLUMNS} added to the replicated ones), over BigQuery's ${MAX_CDC_TOP_LEVEL_COLUMNS.toLocaleString('en-US')} for CDC tables; add columns nobody queries to "excludeColumns", ${VIEW_FIX}`,
      );
    }
  });

  const staleness = mapping.bigquery.maxStaleness;
  if (staleness !== undefined) {
    const add = (message: string) =>
      problems.push({ file, path: pointer('bigquery', 'maxStaleness'), message });
    const problem = stalenessProblem(staleness);
    if (problem !== undefined) add(problem);
    else if (!tableMode.some(Boolean)) {
      add(
        `"${staleness}" would do nothing: no table of ${mapping.source} has "current": "table", and max_staleness only applies to CDC tables; remove "maxStaleness", or set "current": "table"`,
      );
    }
  }
  return problems;
}

/** Declared key columns whose BigQuery type a primary key cannot have. */
function keyTypeProblems(table: TableMapping): { k: number; message: string }[] {
  const declared = new Map((table.columns ?? []).map((column) => [column.name, column]));
  return table.primaryKey.flatMap((name, k) => {
    const column = declared.get(name);
    if (column === undefined) return []; // rules.ts reports a key column missing from "columns".
    let type: string;
    try {
      type = googleSqlType(bigQueryTypeOf(column.type, DECIMAL_TARGET_TYPES));
    } catch (error) {
      if (error instanceof UnmappableColumnTypeError) return []; // reported on the column's type.
      throw error;
    }
    if (primaryKeyTypeAllowed(type)) return [];
    return [
      {
        k,
        message: `key column "${name}" (${column.type}) lands in BigQuery as ${type}, which a primary key cannot be (only ${primaryKeyTypesText}), so its CDC table ("current": "table") cannot be created; ${VIEW_FIX.replace(/^or /, '')}`,
      },
    ];
  });
}
