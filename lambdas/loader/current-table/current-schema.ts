import type { BigQuery, TableField } from '@google-cloud/bigquery';
import { googleSqlType, isWidening, legacyType } from '../../shared/bigquery/column-types.js';
import type { Deadline, RetryPolicy } from '../../shared/bigquery/deadline.js';
import { isAlreadyExists, isNotFound } from '../../shared/bigquery/errors.js';
import { withRetry } from '../../shared/bigquery/jobs.js';
import { currentViewName } from '../../shared/mappings/bigquery-names.js';
import type { Route } from '../../shared/routing.js';
import { cdcTableMetadata } from '../../shared/warehouse/current-table.js';
import { currentTableFields } from '../../shared/warehouse/current-table-schema.js';
import { WarehouseMappingError } from '../../shared/warehouse/errors.js';
import { CurrentIsViewError, CurrentTableStreamError } from '../current-table-sink.js';

export type CurrentTableChange = 'created' | 'columns-added' | 'column-widened';

/**
 * Keeps each `<target>_current` CDC table able to take the file being streamed: created from the
 * changelog's schema when missing (mappings without declared columns get it this way, as their
 * changelog gets its schema from the first load), and given the columns the changelog has gained
 * (appended, NULLABLE, as BigQuery adds columns). Each table's fields are remembered per container;
 * BigQuery is asked again only when a file has a column they lack.
 */
export class CurrentTableSchemas {
  private readonly known = new Map<string, TableField[]>();

  constructor(
    private readonly bigquery: BigQuery,
    private readonly onChange: (table: string, change: CurrentTableChange, columns: string[]) => void,
  ) {}

  /**
   * The current table's fields once it has every one of `fileColumns` that the changelog streams,
   * each of the changelog's type. `fromCache`: the fields were remembered, not read just now, so a
   * refusal may mean the changelog changed since (a widened column) and a fresh look may heal it.
   */
  async prepare(
    route: Route,
    fileColumns: readonly string[],
    deadline: Deadline,
    retry: RetryPolicy,
  ): Promise<{ fields: TableField[]; fromCache: boolean }> {
    const name = `${route.dataset}.${currentViewName(route.targetTable)}`;
    const cached = this.known.get(name);
    if (cached !== undefined && covers(cached, fileColumns)) return { fields: cached, fromCache: true };
    const fields = await withRetry(() => this.reconcile(route), `prepare ${name}`, deadline, retry);
    this.known.set(name, fields);
    return { fields, fromCache: false };
  }

  /** After a failed stream: the table may have been dropped or changed, so look it up again. */
  forget(route: Route): void {
    this.known.delete(`${route.dataset}.${currentViewName(route.targetTable)}`);
  }

  private widen(route: Route, fields: TableField[], wanted: TableField[]): Promise<TableField[]> {
    const table = `${route.dataset}.${currentViewName(route.targetTable)}`;
    return widenedFields(this.bigquery, route, fields, wanted, (column, from, to) =>
      this.onChange(table, 'column-widened', [`${column} ${from} → ${to}`]),
    );
  }

  private async reconcile(route: Route): Promise<TableField[]> {
    const dataset = this.bigquery.dataset(route.dataset);
    const currentName = currentViewName(route.targetTable);
    const table = `${route.dataset}.${currentName}`;
    const changelog = await tableFields(this.bigquery, route.dataset, route.targetTable);
    const wanted = currentTableFields(changelog);
    const existing = await fieldsOf(this.bigquery, route.dataset, currentName);
    if (existing === 'VIEW') {
      // The mapping switched to `table` and `warehouse apply` has not replaced the view yet. A loader
      // never deletes what it did not create (ADR 0042): the view may be gone by now, and a delete by
      // name would hit the table `apply --backfill` has just filled. The changelog has the file, and
      // the backfill fills the new table from it.
      throw new CurrentIsViewError(table);
    }
    if (existing === undefined) {
      try {
        await dataset.createTable(currentName, creatableMetadata(route, changelog, table));
        this.onChange(
          table,
          'created',
          wanted.map((field) => field.name ?? ''),
        );
        return wanted;
      } catch (error) {
        // Another container created it first: go on with what it created.
        if (!isAlreadyExists(error)) throw error;
      }
    }
    const fields = await this.widen(
      route,
      existing === undefined ? await tableFields(this.bigquery, route.dataset, currentName) : existing,
      wanted,
    );
    const have = new Set(fields.map((field) => field.name?.toLowerCase()));
    const missing = wanted.filter((field) => !have.has(field.name?.toLowerCase()));
    if (missing.length === 0) return fields;
    const appended = [...fields, ...missing.map((field) => ({ ...field, mode: 'NULLABLE' }))];
    await dataset.table(currentName).setMetadata({ schema: { fields: appended } });
    this.onChange(
      table,
      'columns-added',
      missing.map((field) => field.name ?? ''),
    );
    return appended;
  }
}

/**
 * Column types the changelog has widened since the CDC table took them (the loader widens the
 * changelog with `ALTER COLUMN … SET DATA TYPE` when a file brings a wider type, ADR 0017): streaming
 * matches columns by name, so the CDC table must widen too or every later file is refused ("Invalid
 * NUMERIC value"). The same DDL, on the CDC table (ADR 0044). A key column, or a change that is not
 * a widening (the changelog replaced by hand), cannot be altered: the file fails for good, naming
 * `warehouse rebuild-current`, which recreates the table from the changelog.
 */
async function widenedFields(
  bigquery: BigQuery,
  route: Route,
  fields: readonly TableField[],
  wanted: readonly TableField[],
  onWidened: (column: string, from: string, to: string) => void,
): Promise<TableField[]> {
  const table = `${route.dataset}.${currentViewName(route.targetTable)}`;
  const wantedTypes = new Map(
    wanted.map((field) => [field.name?.toLowerCase(), legacyType(field.type ?? '')]),
  );
  const keys = new Set(route.primaryKey.map((column) => column.toLowerCase()));
  const result: TableField[] = [];
  for (const field of fields) {
    const name = field.name ?? '';
    const from = legacyType(field.type ?? '');
    const to = wantedTypes.get(name.toLowerCase());
    if (to === undefined || to === from) {
      result.push(field);
      continue;
    }
    if (!isWidening(from, to) || keys.has(name.toLowerCase())) {
      throw new CurrentTableStreamError(
        `${table}: column ${name} is ${googleSqlType(from)} but the changelog has ${googleSqlType(to)}, which ALTER COLUMN cannot apply to ${keys.has(name.toLowerCase()) ? 'a primary key column' : 'the CDC table'}; run dms2bq warehouse rebuild-current --table ${route.dataset}.${route.targetTable} to recreate it from the changelog`,
        table,
        'FAILED_PRECONDITION',
        true,
      );
    }
    const target = `\`${bigquery.projectId}.${table}\``;
    await bigquery.query({
      query: `ALTER TABLE ${target} ALTER COLUMN \`${name}\` SET DATA TYPE ${googleSqlType(to)}`,
    });
    onWidened(name, googleSqlType(from), googleSqlType(to));
    result.push({ ...field, type: to });
  }
  return result;
}

/**
 * The CDC table's tables.insert body, or a permanent failure naming the mapping fix when BigQuery
 * would refuse the table (a key column of a type a primary key cannot have, …): no retry helps, the
 * changelog has the file, and the DLQ message carries the reason.
 */
function creatableMetadata(route: Route, changelog: readonly TableField[], table: string) {
  try {
    return cdcTableMetadata(route, changelog);
  } catch (error) {
    if (!(error instanceof WarehouseMappingError)) throw error;
    throw new CurrentTableStreamError(error.message, table, 'INVALID_ARGUMENT', true);
  }
}

/** Columns the streamer writes itself or drops: `Op` and `_dms_timestamp` become pseudo-columns. */
const NOT_STREAMED = new Set(['op', '_dms_timestamp']);

function covers(fields: readonly TableField[], fileColumns: readonly string[]): boolean {
  const names = new Set(fields.map((field) => field.name?.toLowerCase()));
  return fileColumns.every(
    (column) => NOT_STREAMED.has(column.toLowerCase()) || names.has(column.toLowerCase()),
  );
}

/** A table's fields, `VIEW` for a view, undefined when there is nothing by that name. */
async function fieldsOf(
  bigquery: BigQuery,
  dataset: string,
  table: string,
): Promise<TableField[] | 'VIEW' | undefined> {
  try {
    const [metadata] = await bigquery.dataset(dataset).table(table).getMetadata();
    const { type, schema } = metadata as { type?: string; schema?: { fields?: TableField[] } };
    return type === 'VIEW' ? 'VIEW' : (schema?.fields ?? []);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function tableFields(bigquery: BigQuery, dataset: string, table: string): Promise<TableField[]> {
  const fields = await fieldsOf(bigquery, dataset, table);
  return fields === 'VIEW' || fields === undefined ? [] : fields;
}
