import { status } from '@grpc/grpc-js';

/** A row the Storage Write API refuses: reported in `row_errors` with code FIELDS_ERROR. */
export interface RowProblem {
  index: number;
  message: string;
}

/**
 * An append the Storage Write API refuses, with its gRPC status code. `rows` carries row-level
 * problems: BigQuery then appends no row of the request and lists them in `row_errors`.
 */
export class StorageWriteError extends Error {
  override name = 'StorageWriteError';
  constructor(
    readonly code: status,
    message: string,
    readonly rows: RowProblem[] = [],
  ) {
    super(message);
  }
}

export const entity = (streamName: string): string => ` Entity: ${streamName}`;

/** BigQuery's wording when rows fail (python-bigquery-storage#717 quotes it). */
export const rowErrorsMessage =
  'Errors found while processing rows. Please refer to the row_errors field for details. The list may not be complete because of the size limitations.';

export const invalidArgument = (message: string, rows: RowProblem[] = []): StorageWriteError =>
  new StorageWriteError(status.INVALID_ARGUMENT, message, rows);
