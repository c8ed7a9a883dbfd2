import { JobFailureError } from '../errors.js';
import { bignumericQueryError, bignumericToTextSql, isBignumericStorage } from '../store/bignumeric.js';
import { bigQueryTypeOfDuckDb, quoteIdent } from '../types.js';
import { numericText } from './macros.js';
import { QueryTranslationError } from './tokenizer.js';

/** How each BigQuery type travels in the `f`/`v` rows: as BigQuery's own string form. */
function valueExpression(ref: string, type: string): string {
  switch (type) {
    case 'TIMESTAMP':
      return `CAST(epoch_us(${ref}) AS VARCHAR)`;
    case 'DATETIME':
      return `strftime(${ref}, '%Y-%m-%dT%H:%M:%S.%f')`;
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return numericText(ref);
    case 'BYTES':
      return `base64(${ref})`;
    case 'FLOAT':
      return `CASE WHEN isnan(${ref}) THEN 'NaN' WHEN isinf(${ref}) THEN (CASE WHEN ${ref} > 0 THEN 'Infinity' ELSE '-Infinity' END) ELSE CAST(${ref} AS VARCHAR) END`;
    default:
      return `CAST(${ref} AS VARCHAR)`;
  }
}

/** A result column: REPEATED when DuckDB returns a list, its values then travel as a JSON array. */
export interface ResultField {
  name: string;
  type: string;
  mode: 'NULLABLE' | 'REPEATED';
  /** A stored BIGNUMERIC (store/bignumeric.ts): an exact scaled integer, written out as a decimal. */
  exactBignumeric?: true;
}

export function resultField(name: string, duckType: string): ResultField {
  const list = /^(.*)\[\]$/.exec(duckType);
  const type = bigQueryTypeOfDuckDb(list ? (list[1] as string) : duckType);
  if (type === undefined || (list && /\[\]$/.test(list[1] as string))) {
    throw new JobFailureError(
      'invalidQuery',
      `Result column ${name} has type ${duckType}, which the BigQuery emulator cannot return`,
      'query',
    );
  }
  const exact = isBignumericStorage(list ? (list[1] as string) : duckType)
    ? { exactBignumeric: true as const }
    : {};
  return { name, type, mode: list ? 'REPEATED' : 'NULLABLE', ...exact };
}

export function cellExpression(column: string, field: ResultField): string {
  const ref = quoteIdent(column);
  const value = (reference: string) =>
    field.exactBignumeric ? bignumericToTextSql(reference) : valueExpression(reference, field.type);
  if (field.mode !== 'REPEATED') return value(ref);
  return `CAST(to_json(list_transform(${ref}, e -> ${value('e')})) AS VARCHAR)`;
}

/** DuckDB's errors become BigQuery's job errors; messages never name DuckDB's internals. */
export function queryFailure(error: unknown): JobFailureError {
  if (error instanceof JobFailureError) return error;
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  if (error instanceof QueryTranslationError) return new JobFailureError('invalidQuery', message, 'query');
  // BIGNUMERIC storage (store/bignumeric.ts): DuckDB's refusals of inexact operations, made clear.
  const bignumeric = bignumericQueryError(message);
  if (bignumeric !== undefined) return new JobFailureError('invalidQuery', bignumeric, 'query');
  // Errors BigQuery raises at run time (division by zero, bad casts) come from the macros.
  const raised = /^Invalid Input Error: BQ: (.*)$/.exec(message);
  if (raised) return new JobFailureError('invalidQuery', raised[1] as string, 'query');
  const fn = /^Catalog Error: (Scalar|Aggregate|Table) Function with name "?([^" ]+)"? does not exist/.exec(
    message,
  );
  if (fn) return new JobFailureError('invalidQuery', `Function not found: ${fn[2]}`, 'query');
  const column = /^Binder Error: Referenced column "?([^" ]+)"? not found/.exec(message);
  if (column) return new JobFailureError('invalidQuery', `Unrecognized name: ${column[1]}`, 'query');
  const detail = message.replace(/^[A-Za-z ]+ Error: /, '');
  return new JobFailureError(
    'invalidQuery',
    `Query error: ${detail} (the BigQuery emulator could not run this query; the construct may not be emulated)`,
    'query',
  );
}
