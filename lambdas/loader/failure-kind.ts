import { googleSqlType } from '../shared/bigquery/column-types.js';
import { LoadJobFailedError } from '../shared/bigquery/load-file.js';
import { DmsKeyError } from '../shared/dms/keys.js';
import { MessageFormatError } from '../shared/messages.js';
import { ParquetFooterError } from '../shared/parquet/footer.js';
import { CurrentTableStreamError } from './current-table-sink.js';
import { SchemaChangeRejectedError } from './schema-drift.js';

/** Failures that fail the same way on every delivery: walk them to the DLQ at once. */
export function isPermanent(error: unknown): boolean {
  if (error instanceof LoadJobFailedError) return error.permanent;
  if (error instanceof CurrentTableStreamError) return error.permanent;
  return (
    error instanceof SchemaChangeRejectedError ||
    error instanceof ParquetFooterError ||
    error instanceof DmsKeyError ||
    error instanceof MessageFormatError
  );
}

/** What an operator needs beside the message: the runbook, and for a type change its columns. */
export function runbookFields(error: unknown): Record<string, unknown> {
  if (error instanceof SchemaChangeRejectedError) {
    return {
      runbook: error.runbook,
      bigqueryTable: error.table,
      conflicts: error.conflicts.map((c) => ({
        column: c.column,
        from: googleSqlType(c.tableType),
        to: googleSqlType(c.fileType),
      })),
    };
  }
  if (error instanceof CurrentTableStreamError) {
    return { runbook: error.runbook, bigqueryTable: error.table, code: error.code };
  }
  if (isPermanent(error)) return { runbook: 'docs/runbooks/dlq-not-empty.md' };
  return {};
}
