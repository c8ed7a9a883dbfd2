import type { TableField } from '@google-cloud/bigquery';
import { managedwriter } from '@google-cloud/bigquery-storage';
import { TableStream } from './cdc-table-stream.js';

export { CdcStreamError } from './cdc-errors.js';

export type ChangeType = 'UPSERT' | 'DELETE';

/**
 * One change for a CDC table. `values` maps column name → value in the *canonical* form below
 * (null or absent = NULL); the module converts them to what the table's proto descriptor needs.
 *   INTEGER/INT64      bigint | number | decimal string
 *   FLOAT/FLOAT64      number
 *   NUMERIC/BIGNUMERIC decimal string (e.g. "-12.50")
 *   STRING             string
 *   BYTES              Uint8Array
 *   BOOLEAN/BOOL       boolean
 *   TIMESTAMP          bigint microseconds since 1970-01-01 UTC, or Date
 *   DATE               number: days since 1970-01-01
 *   DATETIME/TIME      string in BigQuery's canonical text form
 */
export interface ChangeRow {
  values: Record<string, unknown>;
  changeType: ChangeType;
  /** `_CHANGE_SEQUENCE_NUMBER`, from lambdas/shared/bigquery/change-sequence.ts `dmsChangeSequence`. */
  sequence: string;
}

/** Where the rows go: the table's default stream. `fields` is the table's current schema (tables.get). */
export interface CdcTarget {
  projectId: string;
  dataset: string;
  table: string;
  fields: readonly TableField[];
}

export interface CdcStreamResult {
  rows: number;
  requests: number;
}

export interface CdcStreamer {
  /**
   * Appends every batch to the table's default stream, in order, in AppendRows requests kept under
   * the API's request size limit, and resolves when every request is acknowledged. Rejects with
   * CdcStreamError (gRPC code name, message, row errors) on the first refused request. Safe to call
   * again with the same rows: a CDC table with sequence numbers ends in the same state.
   */
  append(
    target: CdcTarget,
    batches: AsyncIterable<ChangeRow[]> | Iterable<ChangeRow[]>,
  ): Promise<CdcStreamResult>;
  close(): Promise<void>;
}

/**
 * "The size of a single AppendRowsRequest must be less than 10 MB in size. Requests larger than
 * this return an error, typically INVALID_ARGUMENT" (AppendRowsRequest reference, ADR 0025). The
 * budget leaves a tenth of it to the writer schema, stream name, trace ID and gRPC framing.
 */
export const APPEND_ROWS_REQUEST_LIMIT = 10_000_000;
export const REQUEST_ROWS_BUDGET = 9_000_000;
export interface CdcStreamerOptions {
  /** Bytes of serialized rows per AppendRows request (tests lower it to see batching). */
  requestRowsBudget?: number;
}

/**
 * The production managed writer (`@google-cloud/bigquery-storage` managedwriter.WriterClient).
 * `clientOptions`: what WriterClient takes; locally the emulator's `storageWrite.clientOptions`, in
 * Lambda the credentials of the BigQuery client (see lambdas/shared/bigquery/client.ts).
 */
export function createCdcStreamer(
  clientOptions: Record<string, unknown>,
  options: CdcStreamerOptions = {},
): CdcStreamer {
  const budget = Math.min(options.requestRowsBudget ?? REQUEST_ROWS_BUDGET, REQUEST_ROWS_BUDGET);
  // The options go to google-gax unchanged; the contract keeps them an open record so callers need
  // not import google-gax's types.
  const client = new managedwriter.WriterClient(clientOptions as WriterClientOptions);
  // Appends are idempotent with sequence numbers, so the client may resend a request that failed
  // with a transient code (INTERNAL, UNAVAILABLE …) on its own before we give up on the file.
  client.enableWriteRetries(true);
  const tables = new Map<string, TableStream>();

  return {
    async append(target, batches) {
      const name = `projects/${target.projectId}/datasets/${target.dataset}/tables/${target.table}`;
      let table = tables.get(name);
      if (table === undefined) {
        table = new TableStream(client, name);
        tables.set(name, table);
      }
      return table.append(target, batches, budget);
    },
    async close() {
      for (const table of tables.values()) table.close();
      tables.clear();
      client.close();
      // A client whose setup failed (credentials it could not read) rejects its close with that
      // same error, already reported by append; a caller closing in `finally` would lose the
      // message naming the table to it. Every row's fate is settled by now: nothing is left to lose.
      await client
        .getClient()
        .close()
        .catch(() => undefined);
    },
  };
}

type WriterClientOptions = ConstructorParameters<typeof managedwriter.WriterClient>[0];
