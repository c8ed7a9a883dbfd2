/**
 * A plain value from what `@google-cloud/bigquery` hands out: TIMESTAMP, DATE, DATETIME and INT64
 * (with wrapIntegers) come wrapped in `{ value }`, NUMERIC and BIGNUMERIC as Big, whose toString
 * may use exponent notation; `toFixed()` does not.
 */
export function plainBigQueryValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || value instanceof Uint8Array || value instanceof Date) return value;
  if ('value' in value) return (value as { value: unknown }).value;
  if ('toFixed' in value && typeof value.toFixed === 'function')
    return (value as { toFixed(): string }).toFixed();
  return String(value);
}
