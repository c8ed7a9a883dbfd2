import { basename } from 'node:path';
import { DECIMAL_TARGET_TYPES } from '../bigquery/load-config.js';
import { IS_DELETED_COLUMN, VALID_FROM_COLUMN, VALID_TO_COLUMN } from '../columns.js';
import { MAX_TABLE_MAPPING_BYTES, tableMappingsJson } from '../dms/table-mappings.js';
import { describeBudget, loadJobBudget, minimumSafeInterval } from '../quota.js';
import { bigQueryTypeOf, UnmappableColumnTypeError } from '../warehouse/changelog-schema.js';
import {
  currentViewName,
  datasetNameProblem,
  historyViewName,
  RECONCILE_TOTALS_TABLE,
  RELOADS_TABLE,
  suggestName,
  tableNameProblem,
} from './bigquery-names.js';
import { cdcMaxBatchInterval, type MappingFile, targetTable } from './model.js';
import { type Problem, pointer } from './problem.js';

/** The columns `<target>_history` adds to the changelog's. */
const HISTORY_COLUMNS: readonly string[] = [VALID_FROM_COLUMN, VALID_TO_COLUMN, IS_DELETED_COLUMN];

/** Checks within one schema-valid mapping file. */
export function fileProblems({ file, mapping }: MappingFile): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ file, path, message });

  if (basename(file) !== `${mapping.source}.json`) {
    add(
      pointer('source'),
      `source "${mapping.source}" must match the file name; rename the file to ${mapping.source}.json`,
    );
  }
  const datasetProblem = datasetNameProblem(mapping.bigquery.dataset);
  if (datasetProblem) {
    add(
      pointer('bigquery', 'dataset'),
      `BigQuery rejects dataset "${mapping.bigquery.dataset}": it ${datasetProblem}; use "${suggestName(mapping.bigquery.dataset)}"`,
    );
  }

  const seen = new Map<string, number>();
  mapping.tables.forEach((table, index) => {
    const at = (...path: (string | number)[]) => pointer('tables', index, ...path);
    const name = `${table.schema}.${table.table}`;
    const first = seen.get(name);
    if (first !== undefined) add(at(), `table ${name} is already listed at /tables/${first}; keep one entry`);
    else seen.set(name, index);

    const target = targetTable(table);
    const nameProblem = tableNameProblem(target);
    if (nameProblem) {
      const field = table.target === undefined ? 'table' : 'target';
      add(
        at(field),
        `BigQuery rejects table name "${target}": it ${nameProblem}; set "target": "${suggestName(target)}"`,
      );
    }
    if (target === RECONCILE_TOTALS_TABLE) {
      add(
        at(table.target === undefined ? 'table' : 'target'),
        `table name "${target}" is taken by the reconciliation's running totals in every dataset (ADR 0035); set "target" to another name`,
      );
    }
    if (target === RELOADS_TABLE) {
      add(
        at(table.target === undefined ? 'table' : 'target'),
        `table name "${target}" is taken by the reconciliation's record of completed reloads in every dataset (ADR 0047); set "target" to another name`,
      );
    }
    if (table.primaryKey.length === 0) {
      add(
        at('primaryKey'),
        'primary key is empty; list the columns that identify a row (usually the PRIMARY KEY)',
      );
    }
    const excluded = new Set(table.excludeColumns ?? []);
    table.primaryKey.forEach((column, k) => {
      if (excluded.has(column)) {
        add(
          at('primaryKey', k),
          `column "${column}" is in excludeColumns but is part of the primary key; the current-state view needs it, so remove it from excludeColumns`,
        );
      }
    });
    if (table.columns) {
      const known = new Set(table.columns.map((column) => column.name));
      const unknown = (list: string[], field: string) =>
        list.forEach((column, k) => {
          if (!known.has(column)) add(at(field, k), `column "${column}" is not listed in "columns"`);
        });
      unknown(table.primaryKey, 'primaryKey');
      unknown(table.excludeColumns ?? [], 'excludeColumns');
      if (table.history !== false) {
        const excludedHere = new Set(table.excludeColumns ?? []);
        table.columns.forEach((column, k) => {
          if (HISTORY_COLUMNS.includes(column.name) && !excludedHere.has(column.name)) {
            add(
              at('columns', k, 'name'),
              `column "${column.name}" has the name of a column ${historyViewName(target)} adds, so BigQuery would refuse the view; add it to "excludeColumns", or set "history": false on this table`,
            );
          }
        });
      }
      // `warehouse apply` creates the changelog table from these types before the first file.
      table.columns.forEach((column, k) => {
        try {
          bigQueryTypeOf(column.type, DECIMAL_TARGET_TYPES);
        } catch (error) {
          if (!(error instanceof UnmappableColumnTypeError)) throw error;
          add(at('columns', k, 'type'), `column "${column.name}": ${error.message}`);
        }
      });
    }
  });

  const interval = cdcMaxBatchInterval(mapping);
  const budget = loadJobBudget(interval);
  if (!budget.withinGuard) {
    add(
      pointer('dms', 'cdcMaxBatchIntervalSeconds'),
      `${interval} s risks BigQuery's load-job quota: ${describeBudget(budget)}; use at least ${minimumSafeInterval()} s`,
    );
  }

  const bytes = Buffer.byteLength(tableMappingsJson(mapping));
  if (bytes > MAX_TABLE_MAPPING_BYTES) {
    add(
      pointer('tables'),
      `the generated DMS table mapping is ${bytes.toLocaleString('en-US')} bytes, over DMS's limit of 2 MB; split this source into two mapping files`,
    );
  }
  return problems;
}

/** Checks across files: source ids and BigQuery object names must be unique. */
export function crossFileProblems(files: MappingFile[]): Problem[] {
  const problems: Problem[] = [];
  const sources = new Map<string, string>();
  for (const { file, mapping } of files) {
    const other = sources.get(mapping.source);
    if (other) {
      problems.push({
        file,
        path: pointer('source'),
        message: `source "${mapping.source}" is also used by ${other}`,
      });
    } else sources.set(mapping.source, file);
  }

  // Every changelog table and every view in a dataset, to catch `bets_current` or `bets_history` colliding too.
  const objects = new Map<string, string>();
  for (const { file, mapping } of files) {
    mapping.tables.forEach((table, index) => {
      const target = targetTable(table);
      const where = `${file} ${pointer('tables', index)} (${table.schema}.${table.table})`;
      const history = table.history === false ? [] : [historyViewName(target)];
      for (const name of [target, currentViewName(target), ...history]) {
        const key = `${mapping.bigquery.dataset}.${name}`;
        const other = objects.get(key);
        if (other && other !== where) {
          problems.push({
            file,
            path: pointer('tables', index, table.target === undefined ? 'table' : 'target'),
            message: `BigQuery object ${key} is also produced by ${other}; give one of them a different "target"`,
          });
        }
        objects.set(key, where);
      }
    });
  }
  return problems;
}
