import type { Deadline, RetryPolicy } from '../shared/bigquery/deadline.js';
import type { Route } from '../shared/routing.js';

/**
 * What the loader asks of the `<table>_current` CDC streaming, which lives in ./current-table/ and
 * is loaded with `import()` only when a route needs it (ADR 0025): this module holds no code of it,
 * so a view-only deployment bundles none of `@google-cloud/bigquery-storage`.
 */
export interface CurrentTableFile {
  route: Route;
  bucket: string;
  key: string;
  etag: string;
  size: number;
  /** The file's last bytes, already read for the footer. */
  tail: Uint8Array;
  /** Top-level column names of the file. */
  columns: readonly string[];
  deadline: Deadline;
  retry: RetryPolicy;
}

export interface CurrentTableStreamed {
  /** `dataset.table_current`. */
  table: string;
  rows: number;
  requests: number;
  /** Times the file waited for a schema change to reach the Storage Write API (ADR 0043). */
  propagationWaits?: number;
}

export interface CurrentTableSink {
  /** Makes the table ready for the file's columns and streams every row of the file into it. */
  stream(file: CurrentTableFile): Promise<CurrentTableStreamed>;
  close(): Promise<void>;
}

/** Creates the sink on first use; the loader calls it once per container. */
export type CurrentTableSinkLoader = () => Promise<CurrentTableSink>;

export const CURRENT_TABLE_RUNBOOK = 'docs/runbooks/current-table-stream.md';

/** The failure code of a file whose table change had not reached the Storage Write API in time. */
export const SCHEMA_PROPAGATION = 'SCHEMA_PROPAGATION';

/**
 * The file is in the changelog, but its rows did not all reach the current table. The record fails;
 * on redelivery the load is a duplicate and only the streaming runs again. `permanent` failures
 * (refused rows, values that cannot be written) go to the DLQ without waiting for more attempts.
 */
export class CurrentTableStreamError extends Error {
  override name = 'CurrentTableStreamError';
  readonly runbook = CURRENT_TABLE_RUNBOOK;

  constructor(
    message: string,
    readonly table: string,
    /** gRPC status name of a Storage Write API refusal, or `INVALID_DATA`/`ERROR`. */
    readonly code: string,
    readonly permanent: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
