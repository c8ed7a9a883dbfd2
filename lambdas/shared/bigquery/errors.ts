/**
 * Which failures are worth another attempt within the same invocation. Everything else fails the
 * SQS record: it comes back after the visibility timeout and, after maxReceiveCount, rests in the
 * DLQ with the reason logged.
 */

/** A job's `status.errorResult` or an entry of `errors`. */
export interface BigQueryErrorProto {
  reason?: string | null;
  message?: string | null;
  location?: string | null;
}

/** Job-level reasons that describe BigQuery's trouble, not the file's: a new job may succeed. */
const TRANSIENT_JOB_REASONS = new Set([
  'backendError',
  'internalError',
  'jobBackendError',
  'jobInternalError',
  'rateLimitExceeded',
]);
const TRANSIENT_HTTP_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

interface ErrorShape {
  code?: unknown;
  errors?: unknown;
  message?: unknown;
  name?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const shape = (error: unknown): ErrorShape =>
  typeof error === 'object' && error !== null ? (error as ErrorShape) : {};

/** `errors[].reason` of a Google API error (ApiError), e.g. `duplicate`, `quotaExceeded`. */
export function apiErrorReasons(error: unknown): string[] {
  const errors = shape(error).errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .map((entry) => (typeof entry === 'object' && entry !== null ? (entry as BigQueryErrorProto).reason : ''))
    .filter((reason): reason is string => typeof reason === 'string' && reason !== '');
}

export const httpStatus = (error: unknown): number | undefined => {
  const { code, $metadata } = shape(error);
  if (typeof code === 'number') return code;
  return $metadata?.httpStatusCode;
};

/** jobs.insert answered 409: the job exists (a racing worker, or our own lost response). */
export const isAlreadyExists = (error: unknown): boolean =>
  httpStatus(error) === 409 || apiErrorReasons(error).includes('duplicate');

export const isNotFound = (error: unknown): boolean => httpStatus(error) === 404;

export const isTransientJobError = (error: BigQueryErrorProto): boolean =>
  TRANSIENT_JOB_REASONS.has(error.reason ?? '');

/**
 * A failed load job whose reason is the file itself or the table it meets, which another job with
 * the same file and table cannot fix. BigQuery's "Error messages" page describes `invalid` as invalid
 * input other than an invalid query, such as an invalid table schema (here: a type change, a
 * partitioning mismatch, a corrupt file; ADR 0017). Everything else — `backendError`,
 * `internalError`, `rateLimitExceeded` ("retry the operation with exponential backoff"),
 * `quotaExceeded` (heals when the quota window rolls over), `notFound`/`accessDenied` (heal when a
 * deploy creates the dataset or grants the role) — is worth a new job on a later delivery.
 */
export const isPermanentJobError = (error: BigQueryErrorProto): boolean => error.reason === 'invalid';

/** BigQuery's words for a type conflict: `Field amount has changed type from FLOAT to STRING`. */
const CHANGED_TYPE = /Field ([A-Za-z_][A-Za-z0-9_]*) has changed type from ([A-Z0-9_]+) to ([A-Z0-9_]+)/;

export function changedTypeOf(
  errors: readonly BigQueryErrorProto[],
): { column: string; from: string; to: string } | undefined {
  for (const error of errors) {
    const match = CHANGED_TYPE.exec(error.message ?? '');
    if (match) return { column: match[1] ?? '', from: match[2] ?? '', to: match[3] ?? '' };
  }
  return undefined;
}

/**
 * 5xx, 408/429, rate limits (but not quotaExceeded, which lasts until the quota resets), connection
 * failures and lost responses of the BigQuery client (node-fetch `FetchError`) or the AWS SDK.
 */
export function isTransientError(error: unknown): boolean {
  const details = shape(error);
  const reasons = apiErrorReasons(error);
  if (reasons.includes('quotaExceeded')) return false;
  if (reasons.some((reason) => TRANSIENT_JOB_REASONS.has(reason))) return true;
  const status = httpStatus(error);
  if (status !== undefined && TRANSIENT_HTTP_STATUS.has(status)) return true;
  if (typeof details.code === 'string' && TRANSIENT_NETWORK_CODES.has(details.code)) return true;
  if (details.$retryable) return true;
  // node-fetch 3 (under teeny-request and gaxios) raises FetchError only for failed requests and
  // bodies; an unparsable JSON body is a SyntaxError from JSON.parse, which is not retried.
  if (details.name === 'FetchError') return true;
  if (details.name === 'TimeoutError') return true;
  const message = typeof details.message === 'string' ? details.message : '';
  return /socket hang up|ECONNRESET|network error|premature close|other side closed/i.test(message);
}

/** A short, bounded label for the "failures by reason" metric. */
export function failureReason(error: unknown): string {
  const reasons = apiErrorReasons(error);
  if (reasons[0]) return reasons[0];
  const { name, code } = shape(error);
  if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return code;
  const status = httpStatus(error);
  if (typeof name === 'string' && name !== 'Error') return name;
  return status === undefined ? 'Error' : `HTTP${status}`;
}
