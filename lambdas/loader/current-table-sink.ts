import type { Deadline, RetryPolicy } from '../shared/bigquery/deadline.js';
import type { RowGroupRange } from '../shared/messages.js';
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
  /** Only these row groups; the whole file when absent. */
  rowGroups?: RowGroupRange;
  /**
   * Asked before each row group after the first: true ends the stream there, and `next` tells the
   * caller where the rest begins (it goes on as a continuation message, ADR 0045).
   */
  stopBefore?: () => boolean;
  deadline: Deadline;
  retry: RetryPolicy;
}

export interface CurrentTableStreamed {
  /** `dataset.table_current`. */
  table: string;
  rows: number;
  requests: number;
  /** First row group not streamed, when `stopBefore` ended the stream early. */
  next?: number;
  /** Times the file waited for a schema change to reach the Storage Write API (ADR 0043). */
  propagationWaits?: number;
}

/** A file too old to stream (ADR 0041): its keys are healed from the changelog instead. */
export interface CurrentTableHeal {
  route: Route;
  key: string;
  /** Top-level column names of the file. */
  columns: readonly string[];
  /** The file's `_dms_timestamp` range from its footer; absent: every key of the table is healed. */
  timestamps?: { min: string; max: string };
  /** Location of the heal's query job (the dataset's). */
  location: string;
  deadline: Deadline;
  retry: RetryPolicy;
}

export interface CurrentTableHealed {
  table: string;
  upserts: number;
  deletes: number;
  requests: number;
}

export interface CurrentTableSink {
  /** Makes the table ready for the file's columns and streams the file's rows (or its range) into it. */
  stream(file: CurrentTableFile): Promise<CurrentTableStreamed>;
  /** Streams the changelog's latest change of every key the file touched, not the file's rows. */
  heal(file: CurrentTableHeal): Promise<CurrentTableHealed>;
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

/**
 * A table route's `<target>_current` is still the view of the `view` mode: `warehouse apply` (run by
 * CD after the deploy) replaces it and `--backfill` fills the new table from the changelog, which
 * already has the file. Not a failure: the file is acknowledged without streaming (ADR 0042).
 */
export class CurrentIsViewError extends CurrentTableStreamError {
  override name = 'CurrentIsViewError';

  constructor(table: string) {
    super(
      `${table} is still a view while the mapping says "current": "table"; run dms2bq warehouse apply --backfill (CD does after the deploy) to replace it with the CDC table and fill it from the changelog`,
      table,
      'FAILED_PRECONDITION',
      false,
    );
  }
}
