import { BigQueryApiError } from '../errors.js';
import type { JobResource, QueryResult } from '../store/jobs.js';

export interface TimestampFormat {
  useInt64Timestamp?: boolean;
  timestampOutputFormat?: string;
}

const statusOfReason: Record<string, number> = {
  notFound: 404,
  duplicate: 409,
  backendError: 500,
  rateLimitExceeded: 403,
};

/** A failed query job read through jobs.query / getQueryResults is an HTTP error, as in BigQuery. */
export function throwIfFailed(job: JobResource): void {
  const error = job.status.errorResult;
  if (error !== undefined)
    throw new BigQueryApiError(statusOfReason[error.reason] ?? 400, error.reason, error.message);
}

/** TIMESTAMP values are kept as epoch microseconds; the client asks for micros (its default), ISO or float seconds. */
function formatTimestamp(micros: string, format: TimestampFormat): string {
  if (format.timestampOutputFormat === 'ISO8601_STRING') {
    const value = BigInt(micros);
    const millis = value / 1000n - (value % 1000n < 0n ? 1n : 0n);
    const fraction = ((value % 1_000_000n) + 1_000_000n) % 1_000_000n;
    return `${new Date(Number(millis)).toISOString().slice(0, 19)}.${fraction.toString().padStart(6, '0')}Z`;
  }
  if (format.useInt64Timestamp === false && format.timestampOutputFormat !== 'INT64') {
    return (Number(micros) / 1e6).toString();
  }
  return micros;
}

/** The `schema`, `rows` (in `f`/`v` form), `totalRows` and `pageToken` of a query response. */
export function resultPage(
  result: QueryResult | undefined,
  query: { start: number; max?: number; format: TimestampFormat },
) {
  if (result?.schema === undefined) return { totalRows: '0' };
  const timestampColumns = new Set(result.timestampColumns);
  const end =
    query.max === undefined ? result.rows.length : Math.min(result.rows.length, query.start + query.max);
  const rows = result.rows.slice(query.start, end).map((row) => ({
    f: row.map((value, index) => ({
      v: value !== null && timestampColumns.has(index) ? formatTimestamp(value, query.format) : value,
    })),
  }));
  return {
    schema: result.schema,
    rows,
    totalRows: String(result.rows.length),
    ...(end < result.rows.length ? { pageToken: String(end) } : {}),
  };
}

export function formatFromQueryString(query: URLSearchParams): TimestampFormat {
  const format: TimestampFormat = {};
  const useInt64 = query.get('formatOptions.useInt64Timestamp');
  if (useInt64 !== null) format.useInt64Timestamp = useInt64 === 'true';
  const output = query.get('formatOptions.timestampOutputFormat');
  if (output !== null) format.timestampOutputFormat = output;
  return format;
}
