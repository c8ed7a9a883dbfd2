import type { Logger } from '@aws-lambda-powertools/logger';
import type { BigQuery, TableField } from '@google-cloud/bigquery';
import {
  googleSqlType,
  isWidening,
  legacyType,
  type TypeConflict,
  typeConflicts,
} from '../shared/bigquery/column-types.js';
import type { Deadline, RetryPolicy } from '../shared/bigquery/deadline.js';
import { changedTypeOf, isNotFound } from '../shared/bigquery/errors.js';
import { type JobSnapshot, withRetry } from '../shared/bigquery/jobs.js';
import type { ParquetColumn } from '../shared/parquet/footer.js';
import type { Route } from '../shared/routing.js';

export const SCHEMA_CHANGE_RUNBOOK = 'docs/runbooks/schema-change-rejected.md';

/** A column's type changed in a way BigQuery cannot absorb in place: the file rests in the DLQ. */
export class SchemaChangeRejectedError extends Error {
  override name = 'SchemaChangeRejectedError';
  readonly runbook = SCHEMA_CHANGE_RUNBOOK;
  constructor(
    readonly table: string,
    readonly conflicts: TypeConflict[],
  ) {
    const columns = conflicts
      .map((c) => `${c.column} from ${googleSqlType(c.tableType)} to ${googleSqlType(c.fileType)}`)
      .join(', ');
    super(
      `${table}: the type of ${columns} changed, which BigQuery cannot apply to the existing table; not retried, see ${SCHEMA_CHANGE_RUNBOOK}`,
    );
  }
}

export interface SchemaDriftDeps {
  bigquery: BigQuery;
  location: string;
  logger: Logger;
  retry: RetryPolicy;
  deadline: Deadline;
}

/**
 * What to do when a file's load job failed with `invalid` (see `loadFileOnce`): compare the file's
 * columns with the table as it is now.
 * - Only widenings BigQuery's `ALTER COLUMN … SET DATA TYPE` accepts: widen them, then `retry`.
 * - Any other type change: SchemaChangeRejectedError, naming column, old and new type and runbook.
 * - No conflict left although BigQuery reported one: someone changed the table since (widened it,
 *   recreated it): `retry`. A failure that is not about column types: `fail`.
 */
export function schemaDriftResolver(
  deps: SchemaDriftDeps,
  route: Route,
  columns: readonly ParquetColumn[],
): (job: JobSnapshot) => Promise<'retry' | 'fail'> {
  const name = `${route.dataset}.${route.targetTable}`;
  return async (job) => {
    const reported = changedTypeOf([...(job.errorResult ? [job.errorResult] : []), ...job.errors]);
    const fields = await tableFields(deps, route);
    if (fields === undefined) return reported ? 'retry' : 'fail';
    const conflicts = typeConflicts(fields, columns);
    const current = fields.find((field) => field.name?.toLowerCase() === reported?.column.toLowerCase());
    const stillThere = reported && current && legacyType(current.type ?? '') === legacyType(reported.from);
    if (
      reported &&
      stillThere &&
      !conflicts.some((c) => c.column.toLowerCase() === reported.column.toLowerCase())
    ) {
      // BigQuery saw a conflict the file's footer does not show us (a type we do not map): trust it.
      conflicts.push({
        column: reported.column,
        tableType: legacyType(reported.from),
        fileType: legacyType(reported.to),
        widening: isWidening(reported.from, reported.to),
      });
    }
    if (conflicts.length === 0) return reported ? 'retry' : 'fail';
    if (conflicts.some((conflict) => !conflict.widening))
      throw new SchemaChangeRejectedError(name, conflicts);
    for (const conflict of conflicts) await widen(deps, route, conflict);
    return 'retry';
  };
}

async function tableFields(deps: SchemaDriftDeps, route: Route): Promise<TableField[] | undefined> {
  const table = deps.bigquery.dataset(route.dataset, { location: deps.location }).table(route.targetTable, {
    location: deps.location,
  });
  try {
    const [metadata] = await withRetry(
      () => table.getMetadata(),
      `read the schema of ${route.targetTable}`,
      deps.deadline,
      deps.retry,
    );
    return metadata.schema?.fields ?? [];
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * One DDL query job. tables.patch cannot change a column's type; the query job needs
 * bigquery.jobs.create (roles/bigquery.jobUser, which the loader holds for its loads) and
 * bigquery.tables.update on the table (dataEditor on the dataset).
 */
async function widen(deps: SchemaDriftDeps, route: Route, conflict: TypeConflict): Promise<void> {
  const target = `\`${deps.bigquery.projectId}.${route.dataset}.${route.targetTable}\``;
  const sql = `ALTER TABLE ${target} ALTER COLUMN \`${conflict.column}\` SET DATA TYPE ${googleSqlType(conflict.fileType)}`;
  await withRetry(
    () => deps.bigquery.query({ query: sql, location: deps.location }),
    `widen ${route.targetTable}.${conflict.column}`,
    deps.deadline,
    deps.retry,
  );
  deps.logger.warn('column widened so that the file loads', {
    table: `${route.dataset}.${route.targetTable}`,
    column: conflict.column,
    from: googleSqlType(conflict.tableType),
    to: googleSqlType(conflict.fileType),
    runbook: SCHEMA_CHANGE_RUNBOOK,
  });
}
