/** HTTP statuses BigQuery pairs with each error reason, and the `status` string of its JSON error body. */
const statusNames: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
};

/** An error BigQuery reports as an HTTP error response (not as a failed job). */
export class BigQueryApiError extends Error {
  override name = 'BigQueryApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return errorBody(this.code, this.reason, this.message);
  }
}

export interface ErrorBody {
  error: {
    code: number;
    message: string;
    errors: { message: string; domain: string; reason: string }[];
    status: string;
  };
}

export function errorBody(code: number, reason: string, message: string): ErrorBody {
  return {
    error: {
      code,
      message,
      errors: [{ message, domain: 'global', reason }],
      status: statusNames[code] ?? 'UNKNOWN',
    },
  };
}

/** The `errorResult` of a DONE job: BigQuery reports load and query failures this way, with HTTP 200. */
export class JobFailureError extends Error {
  override name = 'JobFailureError';
  constructor(
    readonly reason: string,
    message: string,
    readonly location?: string,
    /** Messages of further `status.errors` entries, with the same reason. */
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

export const notFound = (what: string): BigQueryApiError =>
  new BigQueryApiError(404, 'notFound', `Not found: ${what}`);
export const invalid = (message: string): BigQueryApiError => new BigQueryApiError(400, 'invalid', message);
export const duplicate = (what: string): BigQueryApiError =>
  new BigQueryApiError(409, 'duplicate', `Already Exists: ${what}`);
