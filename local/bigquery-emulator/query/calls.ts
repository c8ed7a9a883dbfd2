import { clockNowSql } from '../store/warehouse.js';
import { quoteString } from '../types.js';
import { formatTimeSql } from './format-time.js';
import { macroSchema } from './macros.js';
import { QueryTranslationError, type Token } from './tokenizer.js';

const isWord = (token: Token | undefined, word: string): boolean =>
  token?.kind === 'word' && token.text.toUpperCase() === word;

/** What a call translation needs from the translator: its arguments, translated or as raw tokens. */
export interface CallArguments {
  /** Each top-level argument, translated to DuckDB SQL. */
  sql: string[];
  /** Each top-level argument's code tokens (no spaces or comments). */
  tokens: Token[][];
}

type CallTranslation = (name: string, args: CallArguments) => string;

const macro =
  (target: string): CallTranslation =>
  (_name, args) =>
    `${macroSchema}.${target}(${args.sql.join(', ')})`;
const rename =
  (target: string): CallTranslation =>
  (_name, args) =>
    `${target}(${args.sql.join(', ')})`;

function arity(name: string, args: CallArguments, ...counts: number[]): void {
  if (!counts.includes(args.sql.length)) {
    throw new QueryTranslationError(
      `No matching signature for function ${name}: expected ${counts.join(' or ')} arguments, got ${args.sql.length}`,
    );
  }
}

const exactly =
  (count: number, build: (args: CallArguments) => string): CallTranslation =>
  (name, args) => {
    arity(name, args, count);
    return build(args);
  };

/** A date part given as a bare word (DAY, MONTH …), checked against the parts the function accepts. */
function datePart(name: string, tokens: Token[] | undefined, allowed: string[]): string {
  const part = tokens?.length === 1 && tokens[0]?.kind === 'word' ? tokens[0].text.toUpperCase() : undefined;
  if (part === undefined || !allowed.includes(part)) {
    const given = tokens?.map((token) => token.text).join('') ?? '';
    throw new QueryTranslationError(
      `${name} with date part ${given || '(none)'} is not supported by the BigQuery emulator (supported: ${allowed.join(', ')})`,
    );
  }
  return part;
}

const timeParts = ['MICROSECOND', 'MILLISECOND', 'SECOND', 'MINUTE', 'HOUR'];
const dateParts = ['DAY', 'WEEK', 'ISOWEEK', 'MONTH', 'QUARTER', 'YEAR', 'ISOYEAR'];

/** DATE_TRUNC / DATETIME_TRUNC / TIMESTAMP_TRUNC: GoogleSQL's WEEK starts on Sunday, ISOWEEK on Monday. */
const truncate =
  (parts: string[]): CallTranslation =>
  (name, args) => {
    arity(name, args, 2, 3);
    if (args.sql.length === 3) zoneArgument(name, args.tokens[2]);
    const part = datePart(name, args.tokens[1], parts);
    if (part === 'WEEK') return `${macroSchema}.trunc_week(${args.sql[0]})`;
    const duckPart = part === 'ISOWEEK' ? 'week' : part.toLowerCase();
    return `${macroSchema}.trunc('${duckPart}', ${args.sql[0]})`;
  };

/** DATE_DIFF counts part boundaries crossed (DuckDB's date_diff); WEEK boundaries are Sundays. */
const dateDiff: CallTranslation = (name, args) => {
  arity(name, args, 3);
  const part = datePart(name, args.tokens[2], [...timeParts, ...dateParts.filter((p) => p !== 'ISOYEAR')]);
  if (part === 'WEEK' || part === 'ISOWEEK') {
    return `${macroSchema}.diff_${part.toLowerCase()}(${args.sql[0]}, ${args.sql[1]})`;
  }
  return `date_diff('${part.toLowerCase()}', ${args.sql[1]}, ${args.sql[0]})`;
};

/** TIMESTAMP_DIFF counts whole parts elapsed (DuckDB's date_sub), up to DAY. */
const timestampDiff: CallTranslation = (name, args) => {
  arity(name, args, 3);
  const part = datePart(name, args.tokens[2], [...timeParts, 'DAY']);
  return `date_sub('${part.toLowerCase()}', ${args.sql[1]}, ${args.sql[0]})`;
};

/** Only UTC can be honoured: the emulator's session time zone is UTC. */
function zoneArgument(name: string, tokens: Token[] | undefined): void {
  const zone = tokens?.length === 1 && tokens[0]?.kind === 'string' ? tokens[0].value : undefined;
  if (zone !== 'UTC' && zone !== 'Etc/UTC' && zone !== '+00' && zone !== '+00:00') {
    throw new QueryTranslationError(
      `${name} with a time zone other than "UTC" is not supported by the BigQuery emulator`,
    );
  }
}

const formatTime: CallTranslation = (name, args) => {
  arity(name, args, 2, 3);
  if (args.sql.length === 3) zoneArgument(name, args.tokens[2]);
  const format = args.tokens[0];
  if (format?.length !== 1 || format[0]?.kind !== 'string') {
    throw new QueryTranslationError(`${name} needs a string literal as its format in the BigQuery emulator`);
  }
  return formatTimeSql(name, format[0].value ?? '', args.sql[1] as string);
};

/**
 * FORMAT's specifiers are printf's, except %t (the value as text) and %T (a GoogleSQL literal), which
 * DuckDB lacks: their arguments become text through macros (NUMERIC without trailing zeros, NULL as
 * `NULL`) and are printed with %s, keeping width and precision as GoogleSQL does.
 */
const format: CallTranslation = (name, args) => {
  const literal = args.tokens[0];
  if (literal?.length !== 1 || literal[0]?.kind !== 'string') {
    throw new QueryTranslationError(`${name} needs a string literal as its format in the BigQuery emulator`);
  }
  const values = args.sql.slice(1);
  let argument = 0;
  const printf = (literal[0].value ?? '').replace(
    /%([-+ #0']*)(\*|[0-9]*)(\.(?:\*|[0-9]*))?([a-zA-Z%])/g,
    (spec, flags: string, width: string, precision: string | undefined, conversion: string) => {
      if (conversion === '%') return spec;
      if (width === '*') argument += 1;
      if (precision === '.*') argument += 1;
      const index = argument;
      argument += 1;
      if (conversion !== 't' && conversion !== 'T') return spec;
      const value = values[index];
      if (value !== undefined) {
        values[index] = `${macroSchema}.${conversion === 't' ? 'format_t' : 'format_literal'}(${value})`;
      }
      return `%${flags}${width}${precision ?? ''}s`;
    },
  );
  return `printf(${[quoteString(printf), ...values].join(', ')})`;
};

/** A JSONPath literal in DuckDB's spelling: GoogleSQL's `$['a.b']` (JSON_EXTRACT) is DuckDB's `$."a.b"`. */
function jsonPath(name: string, args: CallArguments, index: number): string {
  const tokens = args.tokens[index];
  if (tokens === undefined) return "'$'";
  if (tokens.length === 1 && tokens[0]?.kind === 'string') {
    const path = (tokens[0].value ?? '').replace(
      /\[\s*'([^']*)'\s*\]/g,
      (_match, key: string) => `."${key}"`,
    );
    if (!path.startsWith('$')) {
      throw new QueryTranslationError(
        `${name}: JSONPath must start with '$', got '${tokens[0].value ?? ''}'`,
      );
    }
    return quoteString(path);
  }
  return args.sql[index] as string;
}

/** JSON_VALUE, JSON_QUERY and their array and legacy forms: a JSON value and an optional JSONPath. */
const jsonExtractor =
  (target: string, pathRequired: boolean): CallTranslation =>
  (name, args) => {
    arity(name, args, ...(pathRequired ? [2] : [1, 2]));
    return `${macroSchema}.${target}(${args.sql[0]}, ${jsonPath(name, args, 1)})`;
  };

/** APPROX_QUANTILES(x, n): the exact quantiles, the n + 1 values at 0, 1/n, …, 1 (ignoring NULLs). */
const approxQuantiles: CallTranslation = (name, args) => {
  arity(name, args, 2);
  const count = args.tokens[1];
  const n = count?.length === 1 && count[0]?.kind === 'number' ? Number(count[0].text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1) {
    throw new QueryTranslationError(
      `${name} needs a positive integer literal as its number of quantiles in the BigQuery emulator`,
    );
  }
  const fractions = Array.from({ length: n + 1 }, (_unused, i) => String(i / n));
  return `quantile_disc(${args.sql[0]}, [${fractions.join(', ')}])`;
};

/** GREATEST / LEAST return NULL when any argument is NULL; DuckDB's skip NULLs. */
const nullStrict =
  (target: string): CallTranslation =>
  (_name, args) =>
    `CASE WHEN ${args.sql.map((arg) => `(${arg}) IS NULL`).join(' OR ')} THEN NULL ELSE ${target}(${args.sql.join(', ')}) END`;

/** REGEXP_EXTRACT returns the first capturing group if the pattern has one, and NULL when nothing matches. */
const regexpExtract: CallTranslation = (name, args) => {
  arity(name, args, 2);
  const pattern = args.tokens[1];
  if (pattern?.length !== 1 || pattern[0]?.kind !== 'string') {
    throw new QueryTranslationError(`${name} needs a string literal pattern in the BigQuery emulator`);
  }
  const group = /\((?!\?)/.test((pattern[0].value ?? '').replaceAll(/\\./g, '')) ? 1 : 0;
  return `CASE WHEN regexp_matches(${args.sql[0]}, ${args.sql[1]}) THEN regexp_extract(${args.sql[0]}, ${args.sql[1]}, ${group}) END`;
};

const translations: Record<string, CallTranslation> = {
  SAFE_DIVIDE: macro('safe_divide'),
  IEEE_DIVIDE: macro('ieee_divide'),
  DIV: macro('div'),
  MOD: macro('mod'),
  DATE_ADD: macro('date_add'),
  DATE_SUB: macro('date_sub'),
  DATETIME_ADD: macro('date_add'),
  DATETIME_SUB: macro('date_sub'),
  TIMESTAMP_ADD: macro('date_add'),
  TIMESTAMP_SUB: macro('date_sub'),
  DATETIME: macro('datetime'),
  DATE: macro('date_of'),
  TIMESTAMP: macro('timestamp_of'),
  TIMESTAMP_MICROS: macro('timestamp_micros'),
  TIMESTAMP_MILLIS: macro('timestamp_millis'),
  TIMESTAMP_SECONDS: macro('timestamp_seconds'),
  UNIX_SECONDS: macro('unix_seconds'),
  UNIX_DATE: macro('unix_date'),
  BYTE_LENGTH: macro('byte_length'),
  // GoogleSQL's MD5 returns the 16 digest bytes (BYTES); DuckDB's returns their hex text (VARCHAR).
  MD5: exactly(1, (args) => `unhex(md5(${args.sql[0]}))`),
  // GoogleSQL's TO_HEX is lower case; DuckDB's hex is upper case.
  TO_HEX: exactly(1, (args) => `lower(hex(${args.sql[0]}))`),
  GENERATE_UUID: macro('generate_uuid'),
  UNIX_MICROS: rename('epoch_us'),
  UNIX_MILLIS: rename('epoch_ms'),
  LOGICAL_AND: rename('bool_and'),
  LOGICAL_OR: rename('bool_or'),
  COUNTIF: rename('count_if'),
  REGEXP_CONTAINS: rename('regexp_matches'),
  ARRAY_LENGTH: rename('len'),
  SPLIT: rename('string_split'),
  // The emulator's clock, not the machine's (docs/bigquery-emulator.md, "Time"); UTC, BigQuery's default zone.
  CURRENT_TIMESTAMP: exactly(0, () => clockNowSql),
  CURRENT_DATE: exactly(0, () => `CAST(${clockNowSql} AS DATE)`),
  CURRENT_DATETIME: exactly(0, () => `CAST(${clockNowSql} AS TIMESTAMP)`),
  DATE_TRUNC: truncate([...dateParts.filter((part) => part !== 'ISOYEAR'), ...timeParts]),
  DATETIME_TRUNC: truncate([...timeParts, ...dateParts.filter((part) => part !== 'ISOYEAR')]),
  TIMESTAMP_TRUNC: truncate([...timeParts, ...dateParts.filter((part) => part !== 'ISOYEAR')]),
  DATE_DIFF: dateDiff,
  DATETIME_DIFF: dateDiff,
  TIMESTAMP_DIFF: timestampDiff,
  FORMAT_TIMESTAMP: formatTime,
  FORMAT_DATETIME: formatTime,
  FORMAT_DATE: formatTime,
  FORMAT: format,
  JSON_VALUE: jsonExtractor('json_value', false),
  JSON_EXTRACT_SCALAR: jsonExtractor('json_value', false),
  JSON_QUERY: jsonExtractor('json_query', true),
  JSON_EXTRACT: jsonExtractor('json_query', true),
  JSON_QUERY_ARRAY: jsonExtractor('json_query_array', false),
  JSON_EXTRACT_ARRAY: jsonExtractor('json_query_array', false),
  JSON_VALUE_ARRAY: jsonExtractor('json_value_array', false),
  JSON_EXTRACT_STRING_ARRAY: jsonExtractor('json_value_array', false),
  JSON_TYPE: exactly(1, (args) => `${macroSchema}.json_type_name(${args.sql[0]})`),
  PARSE_JSON: exactly(1, (args) => `json(${args.sql[0]})`),
  TO_JSON_STRING: exactly(1, (args) => `${macroSchema}.to_json_string(${args.sql[0]})`),
  // BigQuery's HLL++ is far closer than DuckDB's approx_count_distinct: the exact count is the faithful answer.
  APPROX_COUNT_DISTINCT: exactly(1, (args) => `count(DISTINCT ${args.sql[0]})`),
  APPROX_QUANTILES: approxQuantiles,
  GREATEST: nullStrict('greatest'),
  LEAST: nullStrict('least'),
  CONCAT: (name, args) =>
    nullStrict('concat')(name, {
      ...args,
      sql: args.sql.map((sql, index) =>
        isWord(args.tokens[index]?.[0], 'NULL') && args.tokens[index]?.length === 1
          ? sql
          : `${macroSchema}.concat_arg(${sql})`,
      ),
    }),
  REGEXP_EXTRACT: regexpExtract,
  // GoogleSQL replaces every match; DuckDB only the first unless asked with 'g'.
  REGEXP_REPLACE: exactly(3, (args) => `regexp_replace(${args.sql.join(', ')}, 'g')`),
  DATE_FROM_UNIX_DATE: macro('date_from_unix_date'),
  LOG: (name, args) => {
    arity(name, args, 1, 2);
    return args.sql.length === 1 ? `ln(${args.sql[0]})` : `(ln(${args.sql[0]}) / ln(${args.sql[1]}))`;
  },
};

/** EXTRACT(part FROM x): DAYOFWEEK counts from Sunday = 1; MICROSECOND/MILLISECOND exclude the seconds. */
export function translateExtract(partTokens: Token[], value: string): string {
  const parts = [
    ...timeParts,
    'DAY',
    'DAYOFWEEK',
    'DAYOFYEAR',
    'WEEK',
    'ISOWEEK',
    'MONTH',
    'QUARTER',
    'YEAR',
    'ISOYEAR',
    'DATE',
  ];
  const part = datePart('EXTRACT', partTokens, parts);
  const special: Record<string, string> = {
    DAYOFWEEK: `(dayofweek(${value}) + 1)`,
    WEEK: `CAST(strftime(${value}, '%U') AS BIGINT)`,
    ISOWEEK: `week(${value})`,
    MICROSECOND: `(microsecond(${value}) % 1000000)`,
    MILLISECOND: `(millisecond(${value}) % 1000)`,
    DATE: `CAST(${value} AS DATE)`,
  };
  return special[part] ?? `extract(${part.toLowerCase()} FROM ${value})`;
}

export const hasCallTranslation = (name: string): boolean => translations[name.toUpperCase()] !== undefined;

/** The DuckDB SQL for a GoogleSQL function call, or undefined when the name means the same in both. */
export function translateCall(name: string, args: CallArguments): string | undefined {
  const translation = translations[name.toUpperCase()];
  return translation?.(name.toUpperCase(), args);
}
