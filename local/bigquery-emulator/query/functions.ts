import { QueryTranslationError } from './tokenizer.js';

/** GoogleSQL type names (as in CAST / SAFE_CAST) → the DuckDB type the emulator stores them as. */
const castTypes: Record<string, string> = {
  INT64: 'BIGINT',
  INTEGER: 'BIGINT',
  INT: 'BIGINT',
  BIGINT: 'BIGINT',
  SMALLINT: 'BIGINT',
  TINYINT: 'BIGINT',
  BYTEINT: 'BIGINT',
  FLOAT64: 'DOUBLE',
  BOOL: 'BOOLEAN',
  BOOLEAN: 'BOOLEAN',
  STRING: 'VARCHAR',
  BYTES: 'BLOB',
  DATE: 'DATE',
  DATETIME: 'TIMESTAMP',
  TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMPTZ',
  NUMERIC: 'DECIMAL(38,9)',
  DECIMAL: 'DECIMAL(38,9)',
  BIGNUMERIC: 'DECIMAL(38,18)',
  BIGDECIMAL: 'DECIMAL(38,18)',
  JSON: 'JSON',
};

export function castType(name: string): string {
  const type = castTypes[name.toUpperCase()];
  if (type === undefined)
    throw new QueryTranslationError(`CAST to ${name} is not supported by the BigQuery emulator`);
  return type;
}

/**
 * GoogleSQL's format elements → DuckDB strptime's. `%E6S` is seconds with six fractional digits: the
 * DMS `_dms_timestamp` column (`yyyy-MM-dd HH:mm:ss.SSSSSS`) is parsed with `%Y-%m-%d %H:%M:%E6S`.
 */
const formatElements: Record<string, string> = {
  '%E6S': '%S.%f',
  '%E*S': '%S.%f',
  '%E3S': '%S.%g',
  '%F': '%Y-%m-%d',
  '%T': '%H:%M:%S',
  '%Ez': '%z',
};

export function strptimeFormat(format: string): string {
  return format.replace(/%E[0-9*]S|%E?[A-Za-z%]/g, (element) => {
    const translated = formatElements[element];
    if (translated !== undefined) return translated;
    if (element.startsWith('%E')) {
      throw new QueryTranslationError(`Format element ${element} is not supported by the BigQuery emulator`);
    }
    return element;
  });
}

/** Constructs that DuckDB would accept with a different meaning, or BigQuery-only features. */
export const unsupportedWords: Record<string, string> = {
  MERGE: 'MERGE statements',
  DECLARE: 'scripting (DECLARE)',
  SYSTEM_TIME: 'time travel (FOR SYSTEM_TIME AS OF)',
  _TABLE_SUFFIX: 'wildcard tables (_TABLE_SUFFIX)',
  STRUCT: 'STRUCT values',
  ARRAY: 'ARRAY values',
  UNNEST: 'UNNEST',
  SAFE: 'the SAFE. function prefix',
  INFORMATION_SCHEMA: 'INFORMATION_SCHEMA views',
};

/**
 * GoogleSQL functions the emulator does not emulate, refused by name: DuckDB has functions of some of
 * these names with another meaning, and for the rest "Function not found" would wrongly say BigQuery
 * lacks them.
 */
export const refusedFunctions = new Set([
  'APPROX_TOP_COUNT',
  'APPROX_TOP_SUM',
  'HLL_COUNT',
  'TO_JSON',
  'SAFE_TO_JSON',
  'JSON_OBJECT',
  'JSON_ARRAY',
  'JSON_SET',
  'JSON_REMOVE',
  'JSON_STRIP_NULLS',
  'JSON_ARRAY_APPEND',
  'JSON_ARRAY_INSERT',
  'JSON_KEYS',
  'JSON_CONTAINS',
  'JSON_FLATTEN',
  'LAX_BOOL',
  'LAX_INT64',
  'LAX_FLOAT64',
  'LAX_STRING',
  'BOOL',
  'INT64',
  'FLOAT64',
  'STRING',
  'BOOL_ARRAY',
  'INT64_ARRAY',
  'FLOAT64_ARRAY',
  'STRING_ARRAY',
  'ARRAY_CONCAT_AGG',
  'KEYS',
  'NET',
  'ML',
  'AEAD',
]);

/** Typed literals whose DuckDB spelling means something else (see Translator.word). */
export const literalTypes: Record<string, string> = {
  TIMESTAMP: 'TIMESTAMPTZ',
  DATETIME: 'TIMESTAMP',
  NUMERIC: 'DECIMAL(38,9)',
  BIGNUMERIC: 'DECIMAL(38,18)',
  JSON: 'JSON',
};

/** CASTs whose GoogleSQL result differs from DuckDB's CAST, done by a macro (see macros.ts). */
export const castMacros: Record<string, string> = {
  INT64: 'int64',
  INTEGER: 'int64',
  INT: 'int64',
  BIGINT: 'int64',
  SMALLINT: 'int64',
  TINYINT: 'int64',
  BYTEINT: 'int64',
  STRING: 'string',
};

export const subscriptWords = ['OFFSET', 'ORDINAL', 'SAFE_OFFSET', 'SAFE_ORDINAL'];
