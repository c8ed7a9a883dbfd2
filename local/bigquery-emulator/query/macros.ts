import type { DuckDBConnection } from '@duckdb/node-api';
import { BIGNUMERIC_FIELD, BIGNUMERIC_SCALE, BIGNUMERIC_STORAGE } from '../store/bignumeric.js';

/**
 * GoogleSQL functions whose meaning differs from DuckDB's, as DuckDB macros in a schema no dataset
 * can be named (dataset IDs have no `-`). The schema lives in the warehouse itself, not in a
 * per-connection catalog, so views that call the macros also run in a plain DuckDB that opens the
 * file (ADR 0030). Overloads are typed, so the result type follows BigQuery's (NUMERIC / NUMERIC
 * stays NUMERIC, DATE + INTERVAL stays DATE). Errors BigQuery raises at run time are raised with
 * `error('BQ: …')`; the runner turns that prefix into an `invalidQuery` message.
 */
export const macroSchema = '"bq-fn"';

/** A DECIMAL as GoogleSQL prints NUMERIC: no trailing fractional zeros, no trailing point. */
export const numericText = (x: string): string =>
  `regexp_replace(regexp_replace(CAST(${x} AS VARCHAR), '(\\.[0-9]*?)0+$', '\\1'), '\\.$', '')`;

const fail = (message: string): string => `error('BQ: ' || ${message})`;

/**
 * `/` with GoogleSQL's result types: INT64 / INT64 is FLOAT64; NUMERIC / NUMERIC is NUMERIC, computed
 * exactly on unscaled HUGEINTs and rounded half away from zero (overflow fails loudly, never rounds).
 */
/**
 * DuckDB matches every DECIMAL to one DECIMAL overload, so NUMERIC and BIGNUMERIC arrive as
 * DECIMAL(38,18): a value with digits beyond NUMERIC's 9 decimals cannot be divided exactly here and
 * fails loudly rather than being rounded.
 */
const beyondNumeric = 'a <> round(a, 9) OR b <> round(b, 9)';

const division = (name: string, safe: boolean): string => {
  const unscaled = (x: string): string => `abs(CAST(${x} * 1000000000 AS HUGEINT))`;
  const numeric = `CAST(sign(a) * sign(b) * ((${unscaled('a')} * 2000000000 + ${unscaled('b')}) // (2 * ${unscaled('b')})) AS DECIMAL(38,0)) / 1000000000`;
  const onZero = (a: string, b: string): string =>
    safe ? 'NULL' : fail(`'division by zero: ' || ${a} || ' / ' || ${b}`);
  return `${name}(a BIGINT, b BIGINT) AS CASE WHEN b = 0 THEN ${onZero('a', 'b')} ELSE CAST(a AS DOUBLE) / b END,
   (a DECIMAL(38,18), b DECIMAL(38,18)) AS CASE WHEN ${beyondNumeric} THEN ${fail("'division of BIGNUMERIC values with more than 9 decimals is not supported by the BigQuery emulator'")}
     WHEN b = 0 THEN ${onZero(numericText('a'), numericText('b'))} ELSE CAST(${numeric} AS DECIMAL(38,9)) END,
   (a DOUBLE, b DOUBLE) AS CASE WHEN b = 0 THEN ${onZero('a', 'b')} ELSE a / b END`;
};

const divisionByZero = fail("'division by zero: ' || a || ' / ' || b");

const int64Pattern = `'\\s*[+-]?([0-9]+|0[xX][0-9a-fA-F]+)\\s*'`;

/** A NUMERIC/BIGNUMERIC text as TO_JSON_STRING writes it: a number when integral within ±2^53, else a string. */
const jsonDecimal = (t: string): string =>
  `CASE WHEN NOT contains(${t}, '.') AND abs(TRY_CAST(${t} AS HUGEINT)) <= 9007199254740992 THEN ${t} ELSE '"' || ${t} || '"' END`;

/** The elements of the JSON array at path p of x (a list of JSON), or NULL when it is not an array. */
const jsonElements = "CASE WHEN json_type(x, p) = 'ARRAY' THEN json_extract(json_extract(x, p), '$[*]') END";

/**
 * TO_JSON_STRING of a scalar ("JSON encodings"), from DuckDB's to_json text so that every branch binds
 * whatever the argument's type: INT64 beyond ±2^53 as a string, FLOAT64 without a trailing `.0` and
 * non-finite values as strings, TIMESTAMP as `…T…Z`, DATETIME with a `T`.
 */
const toJsonString = (x: string): string => {
  const json = `CAST(to_json(${x}) AS VARCHAR)`;
  return `CASE WHEN ${x} IS NULL THEN 'null'
    WHEN typeof(${x}) LIKE 'DECIMAL%' THEN ${jsonDecimal(numericText(x))}
    WHEN typeof(${x}) IN ('BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT', 'HUGEINT', 'UBIGINT')
      THEN CASE WHEN abs(TRY_CAST(${json} AS HUGEINT)) <= 9007199254740992 THEN ${json} ELSE '"' || ${json} || '"' END
    WHEN typeof(${x}) = 'DOUBLE' THEN CASE WHEN ${json} IN ('NaN', 'Infinity', '-Infinity') THEN '"' || ${json} || '"'
      ELSE regexp_replace(${json}, '\\.0$', '') END
    WHEN typeof(${x}) = 'TIMESTAMP WITH TIME ZONE' THEN regexp_replace(replace(${json}, ' ', 'T'), '\\+00"$', 'Z"')
    WHEN typeof(${x}) = 'TIMESTAMP' THEN replace(${json}, ' ', 'T')
    WHEN typeof(${x}) = 'BLOB' THEN ${fail("'TO_JSON_STRING of BYTES is not supported by the BigQuery emulator'")}
    ELSE ${json} END`;
};

/** FORMAT's %t: the value as text, NUMERIC without trailing zeros, NULL as `NULL`. */
const formatT = (x: string): string =>
  `CASE WHEN ${x} IS NULL THEN 'NULL' WHEN typeof(${x}) LIKE 'DECIMAL%' THEN ${numericText(x)} ELSE CAST(${x} AS VARCHAR) END`;

/** FORMAT's %T: a GoogleSQL literal of the value (strings double-quoted, typed literals for NUMERIC and dates). */
const formatLiteral = (x: string): string => {
  const value = `CAST(${x} AS VARCHAR)`;
  const quoted = (v: string): string => `'"' || replace(replace(${v}, '\\', '\\\\'), '"', '\\"') || '"'`;
  return `CASE WHEN ${x} IS NULL THEN 'NULL'
    WHEN typeof(${x}) = 'DECIMAL(38,9)' THEN 'NUMERIC "' || ${numericText(x)} || '"'
    WHEN typeof(${x}) LIKE 'DECIMAL%' THEN 'BIGNUMERIC "' || ${numericText(x)} || '"'
    WHEN typeof(${x}) = 'VARCHAR' THEN ${quoted(value)}
    WHEN typeof(${x}) = 'DATE' THEN 'DATE "' || ${value} || '"'
    WHEN typeof(${x}) = 'TIMESTAMP WITH TIME ZONE' THEN 'TIMESTAMP "' || ${value} || '"'
    WHEN typeof(${x}) = 'TIMESTAMP' THEN 'DATETIME "' || ${value} || '"'
    WHEN typeof(${x}) = 'JSON' THEN 'JSON ' || ${quoted(value)}
    ELSE ${value} END`;
};

/**
 * DuckDB binds an aggregate or window-function argument of a macro to a typed overload whatever the
 * argument's type (`string(SUM(x))` reached a STRUCT overload and failed to cast), so the macros that
 * must recognise a stored BIGNUMERIC take any argument and tell it apart by typeof. Its scaled integer
 * is read through to_json, which binds for every type, so every branch binds.
 */
const isStoredBignumeric = (x: string): string => `typeof(${x}) = '${BIGNUMERIC_STORAGE}'`;
const storedBignumericText = (x: string): string => {
  // The scaled integer's text appears once: a macro's argument is pasted wherever it is named, so
  // each repetition would copy the whole argument expression. Zeros go in after the sign so that
  // at least 39 digits stand; the last 38 are the decimals, trailing zeros and a bare point go.
  const scaled = `json_extract_string(to_json(${x}), '$.${BIGNUMERIC_FIELD}')`;
  const padded = `regexp_replace(${scaled}, '^(-?)', '\\1' || repeat('0', ${BIGNUMERIC_SCALE + 1}))`;
  const pointed = `regexp_replace(${padded}, '^(-?)0*([0-9]*?)([0-9]{${BIGNUMERIC_SCALE}})$', '\\1\\2.\\3')`;
  const whole = `regexp_replace(${pointed}, '^(-?)[.]', '\\10.')`;
  return `regexp_replace(${whole}, '[.]?0+$', '')`;
};

const definitions: string[] = [
  division('divide', false),
  division('safe_divide', true),
  `ieee_divide(a DOUBLE, b DOUBLE) AS a / b`,
  `div(a BIGINT, b BIGINT) AS CASE WHEN b = 0 THEN ${divisionByZero} ELSE a // b END`,
  `mod(a BIGINT, b BIGINT) AS CASE WHEN b = 0 THEN ${fail("'division by zero: MOD(' || a || ', ' || b || ')'")} ELSE a % b END`,
  // NaN is never equal to anything in GoogleSQL; DuckDB sorts and compares NaN as the largest value.
  // Any argument that is not a FLOAT64 NaN is "not NaN", whatever overload DuckDB picks for it.
  `nan(x DOUBLE) AS isnan(x), (x) AS false`,
  `int64(x VARCHAR) AS CASE WHEN regexp_full_match(x, ${int64Pattern}) THEN CAST(trim(x) AS BIGINT) ELSE ${fail("'Bad int64 value: ' || x")} END,
   (x DOUBLE) AS CASE WHEN isnan(x) OR isinf(x) THEN ${fail("'Illegal conversion of non-finite floating point number to an integer: ' || x")} ELSE CAST(round(x) AS BIGINT) END,
   (x BIGINT) AS x, (x) AS CAST(x AS BIGINT)`,
  `safe_int64(x VARCHAR) AS CASE WHEN regexp_full_match(x, ${int64Pattern}) THEN TRY_CAST(trim(x) AS BIGINT) END,
   (x DOUBLE) AS CASE WHEN NOT isnan(x) AND NOT isinf(x) THEN TRY_CAST(round(x) AS BIGINT) END,
   (x BIGINT) AS x, (x) AS TRY_CAST(x AS BIGINT)`,
  // BigQuery prints NUMERIC without trailing fractional zeros (CAST(1.50 AS STRING) = '1.5').
  // Dispatch on typeof, not on a DECIMAL(38,9) parameter: that would round a BIGNUMERIC argument.
  // A stored BIGNUMERIC (store/bignumeric.ts) is a scaled integer in a STRUCT: written out as its decimal.
  `string(x) AS CASE WHEN x IS NULL THEN NULL WHEN ${isStoredBignumeric('x')} THEN ${storedBignumericText('x')}
     WHEN typeof(x) LIKE 'DECIMAL%' THEN ${numericText('x')} ELSE CAST(x AS VARCHAR) END`,
  // JSON functions ("JSON functions"): JSON_VALUE gives scalars only, unquoted; a JSON-formatted STRING
  // in gives a STRING out and a JSON null a SQL NULL, while JSON in gives JSON out.
  `json_value(x, p) AS CASE WHEN json_type(x, p) IN ('OBJECT', 'ARRAY', 'NULL') THEN NULL ELSE json_extract_string(x, p) END`,
  `json_query(x JSON, p) AS json_extract(x, p),
   (x VARCHAR, p) AS CASE WHEN json_type(x, p) = 'NULL' THEN NULL ELSE CAST(json_extract(x, p) AS VARCHAR) END`,
  `json_query_array(x JSON, p) AS ${jsonElements},
   (x VARCHAR, p) AS CAST(${jsonElements} AS VARCHAR[])`,
  `json_value_array(x, p) AS CASE WHEN len(list_filter(${jsonElements}, e -> json_type(e) IN ('OBJECT', 'ARRAY'))) = 0
     THEN list_transform(${jsonElements}, e -> json_extract_string(e, '$')) END`,
  `json_type_name(x JSON) AS CASE json_type(x) WHEN 'OBJECT' THEN 'object' WHEN 'ARRAY' THEN 'array'
     WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null' ELSE 'number' END`,
  `to_json_string(x) AS CASE WHEN x IS NULL THEN 'null'
     WHEN ${isStoredBignumeric('x')} THEN ${jsonDecimal(storedBignumericText('x'))} ELSE ${toJsonString('x')} END`,
  `format_t(x) AS CASE WHEN x IS NULL THEN 'NULL' WHEN ${isStoredBignumeric('x')} THEN ${storedBignumericText('x')}
     ELSE ${formatT('x')} END`,
  `format_literal(x) AS CASE WHEN x IS NULL THEN 'NULL'
     WHEN ${isStoredBignumeric('x')} THEN 'BIGNUMERIC "' || ${storedBignumericText('x')} || '"' ELSE ${formatLiteral('x')} END`,
  // CONCAT takes BYTES or anything castable to STRING, cast as CAST does; `||` only STRING, BYTES and
  // ARRAY ("Concatenation operator"), so a NUMERIC there is refused rather than printed DuckDB's way.
  // BYTES are refused rather than typed apart: a BLOB overload would also catch aggregate arguments.
  `concat_arg(x) AS CASE WHEN ${isStoredBignumeric('x')} THEN ${storedBignumericText('x')}
     WHEN typeof(x) LIKE 'DECIMAL%' THEN ${numericText('x')}
     WHEN typeof(x) = 'BLOB' THEN ${fail("'CONCAT of BYTES is not supported by the BigQuery emulator'")}
     ELSE CAST(x AS VARCHAR) END`,
  `concat_operand(x) AS CASE WHEN ${isStoredBignumeric('x')} THEN ${fail("'No matching signature for operator || for argument type BIGNUMERIC; use CONCAT or CAST(… AS STRING)'")}
     WHEN typeof(x) LIKE 'DECIMAL%' THEN ${fail("'No matching signature for operator || for argument type NUMERIC; use CONCAT or CAST(… AS STRING)'")} ELSE x END`,
  `date_add(d DATE, i INTERVAL) AS CAST(d + i AS DATE), (d TIMESTAMP, i INTERVAL) AS d + i,
   (d TIMESTAMPTZ, i INTERVAL) AS d + i`,
  `date_sub(d DATE, i INTERVAL) AS CAST(d - i AS DATE), (d TIMESTAMP, i INTERVAL) AS d - i,
   (d TIMESTAMPTZ, i INTERVAL) AS d - i`,
  `trunc(p VARCHAR, x DATE) AS CAST(date_trunc(p, x) AS DATE), (p VARCHAR, x) AS date_trunc(p, x)`,
  // GoogleSQL's WEEK starts on Sunday: shift by a day so DuckDB's Monday weeks line up.
  `trunc_week(x DATE) AS CAST(date_trunc('week', x + 1) AS DATE) - 1,
   (x) AS date_trunc('week', x + INTERVAL 1 DAY) - INTERVAL 1 DAY`,
  // Week boundaries crossed = whole weeks between the weeks' first days (DuckDB's date_diff counts 7-day spans).
  `diff_week(a DATE, b DATE) AS (CAST(date_trunc('week', a + 1) AS DATE) - CAST(date_trunc('week', b + 1) AS DATE)) // 7,
   (a, b) AS (CAST(date_trunc('week', a + INTERVAL 1 DAY) AS DATE) - CAST(date_trunc('week', b + INTERVAL 1 DAY) AS DATE)) // 7`,
  `diff_isoweek(a, b) AS (CAST(date_trunc('week', a) AS DATE) - CAST(date_trunc('week', b) AS DATE)) // 7`,
  `datetime(y, mo, d, h, mi, s) AS make_timestamp(y, mo, d, h, mi, s),
   (d DATE, t TIME) AS d + t, (ts TIMESTAMPTZ) AS CAST(ts AS TIMESTAMP), (d DATE) AS CAST(d AS TIMESTAMP),
   (s VARCHAR) AS CAST(s AS TIMESTAMP), (ts TIMESTAMP) AS ts`,
  `date_of(y, m, d) AS make_date(y, m, d), (x) AS CAST(x AS DATE)`,
  `timestamp_of(x) AS CAST(x AS TIMESTAMPTZ)`,
  `timestamp_micros(n BIGINT) AS CAST(make_timestamp(n) AS TIMESTAMPTZ)`,
  `timestamp_millis(n BIGINT) AS CAST(make_timestamp(n * 1000) AS TIMESTAMPTZ)`,
  `timestamp_seconds(n BIGINT) AS CAST(make_timestamp(n * 1000000) AS TIMESTAMPTZ)`,
  `unix_seconds(ts TIMESTAMPTZ) AS CAST(floor(epoch_us(ts) / 1000000) AS BIGINT)`,
  `date_from_unix_date(n BIGINT) AS DATE '1970-01-01' + CAST(n AS INTEGER)`,
  `unix_date(d DATE) AS CAST(d - DATE '1970-01-01' AS BIGINT)`,
  `byte_length(s VARCHAR) AS CAST(strlen(s) AS BIGINT), (b BLOB) AS CAST(octet_length(b) AS BIGINT)`,
  `generate_uuid() AS CAST(gen_random_uuid() AS VARCHAR)`,
  `array_at_offset(l, i) AS CASE WHEN i < 0 OR i >= len(l) THEN ${fail("'Array index ' || i || ' is out of bounds'")} ELSE l[i + 1] END`,
  `array_at_ordinal(l, i) AS CASE WHEN i < 1 OR i > len(l) THEN ${fail("'Array index ' || i || ' is out of bounds'")} ELSE l[i] END`,
  `array_at_safe_offset(l, i) AS CASE WHEN i >= 0 AND i < len(l) THEN l[i + 1] END`,
  `array_at_safe_ordinal(l, i) AS CASE WHEN i >= 1 AND i <= len(l) THEN l[i] END`,
];

/**
 * Creates (or replaces) the macros in the warehouse's own schema; idempotent, so a file written by an
 * older emulator (whose views needed a per-connection catalog) is upgraded in place at start. Typed
 * macros can only be stored in files of DuckDB storage version v1.4.0 or later (Warehouse.open makes
 * new files so); a file made before keeps them in a per-connection catalog of the same name, which
 * the emulator sees but a plain DuckDB does not.
 */
export async function installMacros(connection: DuckDBConnection): Promise<void> {
  const attached = await connection.runAndReadAll(
    "SELECT 1 FROM duckdb_databases() WHERE database_name = 'bq-fn'",
  );
  if (attached.currentRowCount > 0) return createMacros(connection, async () => undefined);
  const stored = await createMacros(connection, async () => {
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${macroSchema}`);
  }).then(
    () => true,
    async (error: unknown) => {
      if (!String(error).includes('Typed macro parameters are only supported for storage versions'))
        throw error;
      await connection.run(`DROP SCHEMA IF EXISTS ${macroSchema} CASCADE`);
      return false;
    },
  );
  if (stored) return;
  await createMacros(connection, async () => {
    await connection.run(`ATTACH IF NOT EXISTS ':memory:' AS ${macroSchema}`);
  });
}

async function createMacros(connection: DuckDBConnection, container: () => Promise<void>): Promise<void> {
  await container();
  for (const definition of definitions) {
    await connection.run(`CREATE OR REPLACE MACRO ${macroSchema}.${definition}`);
  }
}
