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

/**
 * Seconds since the epoch as BigQuery's (Java) backend prints a double: `1.7040672E9`, `86400.0`.
 * That is the TIMESTAMP wire form when the request does not ask for int64 micros.
 */
export function floatSeconds(micros: bigint): string {
  const seconds = Number(micros) / 1e6;
  const magnitude = Math.abs(seconds);
  if (seconds === 0) return '0.0';
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const plain = String(seconds);
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa, exponent] = seconds.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

/** TIMESTAMP values are kept as epoch microseconds; the request picks micros, ISO or float seconds. */
export function formatTimestamp(micros: string, format: TimestampFormat): string {
  if (format.timestampOutputFormat === 'ISO8601_STRING') {
    const value = BigInt(micros);
    const millis = value / 1000n - (value % 1000n < 0n ? 1n : 0n);
    const fraction = ((value % 1_000_000n) + 1_000_000n) % 1_000_000n;
    return `${new Date(Number(millis)).toISOString().slice(0, 19)}.${fraction.toString().padStart(6, '0')}Z`;
  }
  if (format.useInt64Timestamp === true || format.timestampOutputFormat === 'INT64') return micros;
  return floatSeconds(BigInt(micros));
}

type Cell = { v: string | null | Cell[] };

/** The `schema`, `rows` (in `f`/`v` form), `totalRows` and `pageToken` of a query response. */
export function resultPage(
  result: QueryResult | undefined,
  query: { start: number; max?: number; format: TimestampFormat },
) {
  if (result?.schema === undefined) return { totalRows: '0' };
  const timestampColumns = new Set(result.timestampColumns);
  const fields = result.schema.fields;
  const scalar = (value: string | null, index: number): string | null =>
    value !== null && timestampColumns.has(index) ? formatTimestamp(value, query.format) : value;
  const cell = (value: string | null, index: number): Cell => {
    if (fields[index]?.mode !== 'REPEATED') return { v: scalar(value, index) };
    // Repeated values are kept as a JSON array of strings; a NULL array reads as an empty one.
    const items = value === null ? [] : (JSON.parse(value) as (string | null)[]);
    return { v: items.map((item) => ({ v: scalar(item, index) })) };
  };
  const end =
    query.max === undefined ? result.rows.length : Math.min(result.rows.length, query.start + query.max);
  const rows = result.rows.slice(query.start, end).map((row) => ({ f: row.map(cell) }));
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
