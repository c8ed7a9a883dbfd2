/** gRPC status names by number (google.rpc.Code), as the Storage Write API reports them. */
const CODE_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/**
 * Codes another attempt can get past: the ones the client's StreamConnection itself retries
 * (ABORTED, UNAVAILABLE, CANCELLED, INTERNAL, DEADLINE_EXCEEDED), RESOURCE_EXHAUSTED (quota, "retry
 * with backoff" in storage.proto's StorageError comments) and UNKNOWN (a connection that broke
 * without a status). INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED … need someone to act.
 */
const RETRYABLE = new Set([
  'CANCELLED',
  'UNKNOWN',
  'DEADLINE_EXCEEDED',
  'RESOURCE_EXHAUSTED',
  'ABORTED',
  'INTERNAL',
  'UNAVAILABLE',
]);

export const grpcCodeName = (code: unknown): string =>
  (typeof code === 'number' ? CODE_NAMES[code] : undefined) ?? 'UNKNOWN';

/** BigQuery's refusal of fields it does not know: "…, extra fields: 'a,b'" (ADR 0023, 0028). */
const EXTRA_FIELDS = /Input schema has more fields than BigQuery schema, extra fields: '([^']*)'/;

export class CdcStreamError extends Error {
  /** gRPC status name, e.g. INVALID_ARGUMENT, NOT_FOUND, INTERNAL, UNAVAILABLE. */
  readonly code: string;
  /** Whether another attempt can succeed (INTERNAL, UNAVAILABLE, ABORTED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED …). */
  readonly retryable: boolean;
  /**
   * The fields an INVALID_ARGUMENT refusal names as unknown to BigQuery, empty for any other error.
   * Whether they are columns the table has (a change that has not propagated yet, ADR 0043) or
   * fields it will never have, only the caller, who knows the table's schema, can tell.
   */
  readonly extraFields: readonly string[];

  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = 'CdcStreamError';
    this.code = code;
    this.retryable = RETRYABLE.has(code);
    const extra = code === 'INVALID_ARGUMENT' ? EXTRA_FIELDS.exec(message)?.[1] : undefined;
    this.extraFields = extra ? extra.split(',').map((field) => field.trim()) : [];
  }
}

/**
 * An append refused because the table is newer than the Storage Write API knows (ADR 0028, 0043):
 * NOT_FOUND for a table that tables.get or tables.insert has just shown, or "extra fields" that are
 * every one a column of `fields`, the table as tables.get or tables.patch answered. Extra fields the
 * table does not have (`_CHANGE_TYPE` on a table without a primary key) are a real refusal.
 */
export function isPropagationRefusal(
  error: unknown,
  fields: readonly { name?: string | undefined }[],
): boolean {
  if (!(error instanceof CdcStreamError)) return false;
  if (error.code === 'NOT_FOUND') return true;
  if (error.extraFields.length === 0) return false;
  const names = new Set(fields.map((field) => field.name?.toLowerCase()));
  return error.extraFields.every((field) => names.has(field.toLowerCase()));
}

export interface RowErrorShape {
  index?: unknown;
  code?: unknown;
  message?: unknown;
}

/** At most this many row errors in a message: a log line, not a dump. */
const SHOWN_ROW_ERRORS = 5;

/**
 * The error of a refused AppendRows request on `table`, its row errors (row indexes counted from
 * the first row of the whole `append` call) appended to the message.
 */
export function refusedAppend(
  table: string,
  code: unknown,
  message: unknown,
  rowErrors: readonly RowErrorShape[],
  firstRow: number,
): CdcStreamError {
  const rows = rowErrors.slice(0, SHOWN_ROW_ERRORS).map((row) => {
    const index = firstRow + Number(row.index ?? 0);
    return `row ${index}: ${String(row.code ?? '')} ${String(row.message ?? '')}`.trim();
  });
  const more = rowErrors.length > SHOWN_ROW_ERRORS ? [`… ${rowErrors.length - SHOWN_ROW_ERRORS} more`] : [];
  const detail = [`${String(message ?? 'no message')}`, ...rows, ...more].join('; ');
  return new CdcStreamError(grpcCodeName(code), `AppendRows to ${table} refused: ${detail}`);
}
