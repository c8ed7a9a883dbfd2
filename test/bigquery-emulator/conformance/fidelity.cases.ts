import { type ConformanceCase, docs, int, str } from './case.js';

const fruits =
  "(SELECT 'apple' AS fruit UNION ALL SELECT NULL UNION ALL SELECT 'pear' UNION ALL SELECT 'banana' UNION ALL SELECT 'pear')";
const digits =
  '(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
/** 0 … 7451: 7,452 distinct values, where DuckDB's own approx_count_distinct was 7.9 % low. */
const many = `(SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d AS x FROM ${digits} a CROSS JOIN ${digits} b CROSS JOIN ${digits} c CROSS JOIN ${digits} e)`;
const quantiles =
  '(SELECT 1 AS x UNION ALL SELECT 1 UNION ALL SELECT 1 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10)';
/** The example instant of the format elements page: Wednesday 20 January 2021, 21:47:00. */
const ts = "TIMESTAMP '2021-01-20 21:47:00.123456'";

/** Issue 18: NUMERIC text on every path, aggregates, format elements and syntax errors. */
export const fidelityCases: ConformanceCase[] = [
  {
    name: 'CAST of NUMERIC and BIGNUMERIC to STRING: no trailing zeros, no exponent, the sign kept',
    doc: docs.conversion,
    sql: "SELECT CAST(NUMERIC '1.50' AS STRING), CAST(NUMERIC '-0.000000001' AS STRING), CAST(BIGNUMERIC '-12.500' AS STRING), CAST(NUMERIC '100' AS STRING)",
    columns: [str('1.5'), str('-0.000000001'), str('-12.5'), str('100')],
  },
  {
    name: "FORMAT('%t') of NUMERIC and BIGNUMERIC is the decimal text, '%T' a NUMERIC literal, NULL is NULL",
    doc: docs.formatNumericCompliance,
    sql: "SELECT FORMAT('%t', NUMERIC '3.14'), FORMAT('%t', BIGNUMERIC '-3.140'), FORMAT('%T', NUMERIC '-3.14'), FORMAT('%T', BIGNUMERIC '3.14'), FORMAT('00-%t-00', CAST(NULL AS NUMERIC))",
    columns: [str('3.14'), str('-3.14'), str('NUMERIC "-3.14"'), str('BIGNUMERIC "3.14"'), str('00-NULL-00')],
  },
  {
    name: "FORMAT('%t'/'%T') of other types, width kept",
    doc: docs.string,
    sql: "SELECT FORMAT('%t', DATE '2011-02-03'), FORMAT('%T', DATE '2011-02-03'), FORMAT('%T', 'sample'), FORMAT('%T', 1234), FORMAT('[%5t]', 'ab')",
    columns: [str('2011-02-03'), str('DATE "2011-02-03"'), str('"sample"'), str('1234'), str('[   ab]')],
  },
  {
    name: 'CONCAT casts NUMERIC and BIGNUMERIC to their decimal text, and keeps NULL',
    doc: docs.string,
    sql: "SELECT CONCAT('x', NUMERIC '1.50'), CONCAT('x', BIGNUMERIC '-0.10', 'y'), CONCAT('Summer', ' ', 1923), CONCAT('a', NULL), 'x' || CAST(NUMERIC '2.50' AS STRING)",
    columns: [str('x1.5'), str('x-0.1y'), str('Summer 1923'), str(null), str('x2.5')],
  },
  {
    // DuckDB binds an aggregate or window argument of a macro to a typed overload whatever its type:
    // these paths once failed as "casts … BIGNUMERIC are not emulated".
    name: 'CAST, CONCAT, FORMAT and TO_JSON_STRING of aggregates and window functions',
    doc: docs.conversion,
    sql: `SELECT CAST(SUM(d) AS STRING), CAST(COUNT(*) AS STRING), CAST(SUM(NUMERIC '0.50') AS STRING), CONCAT(MAX(CAST(d AS STRING)), '!'), FORMAT('%t', MIN(d)), TO_JSON_STRING(SUM(d)), CAST(MAX(COUNT(*)) OVER () AS STRING) FROM ${digits}`,
    columns: [str('45'), str('10'), str('5'), str('9!'), str('0'), str('45'), str('10')],
  },
  {
    name: '|| takes STRING, BYTES or ARRAY only: a NUMERIC operand is refused, not printed another way',
    doc: docs.operators,
    sql: "SELECT 'x' || NUMERIC '2.50'",
    error:
      /^No matching signature for operator \|\| for argument type NUMERIC; use CONCAT or CAST\(… AS STRING\)$/,
  },
  {
    name: 'STRING_AGG with a delimiter, DISTINCT, ORDER BY and LIMIT (NULLs skipped)',
    doc: docs.aggregate,
    sql: `SELECT STRING_AGG(fruit, ' & ' ORDER BY LENGTH(fruit), fruit), STRING_AGG(DISTINCT fruit, ' & ' ORDER BY fruit DESC LIMIT 2), STRING_AGG(fruit, ', ' ORDER BY fruit LIMIT 2), STRING_AGG(fruit ORDER BY fruit) FROM ${fruits}`,
    columns: [
      str('pear & pear & apple & banana'),
      str('pear & banana'),
      str('apple, banana'),
      str('apple,banana,pear,pear'),
    ],
  },
  {
    name: 'STRING_AGG over no rows is NULL, with or without LIMIT',
    doc: docs.aggregate,
    sql: `SELECT STRING_AGG(fruit LIMIT 1), STRING_AGG(fruit) FROM ${fruits} WHERE FALSE`,
    columns: [str(null), str(null)],
  },
  {
    name: 'APPROX_COUNT_DISTINCT is exact (BigQuery HLL++ is far closer than DuckDB’s sketch)',
    doc: docs.approximate,
    sql: `SELECT APPROX_COUNT_DISTINCT(x), COUNT(DISTINCT x) FROM ${many} WHERE x < 7452`,
    columns: [int('7452'), int('7452')],
  },
  {
    name: 'APPROX_QUANTILES(x, 2): minimum, median, maximum',
    doc: docs.approximate,
    sql: `SELECT APPROX_QUANTILES(x, 2) FROM ${quantiles}`,
    columns: [{ type: 'INTEGER', mode: 'REPEATED', value: ['1', '5', '10'] }],
  },
  {
    name: 'FORMAT_TIMESTAMP: %c %D %e %k %l %P %C %Q',
    doc: docs.format,
    sql: `SELECT FORMAT_TIMESTAMP('%c', ${ts}), FORMAT_TIMESTAMP('%D', ${ts}), FORMAT_TIMESTAMP('[%e]', ${ts}), FORMAT_TIMESTAMP('%k', ${ts}), FORMAT_TIMESTAMP('[%l]', ${ts}), FORMAT_TIMESTAMP('%P', ${ts}), FORMAT_TIMESTAMP('%C', ${ts}), FORMAT_TIMESTAMP('%Q', ${ts})`,
    columns: [
      str('Wed Jan 20 21:47:00 2021'),
      str('01/20/21'),
      str('[20]'),
      str('21'),
      str('[ 9]'),
      str('pm'),
      str('20'),
      str('1'),
    ],
  },
  {
    name: 'FORMAT_TIMESTAMP: %j %U %u %V %W %w %x %X %R %h %G %g %J',
    doc: docs.format,
    sql: `SELECT FORMAT_TIMESTAMP('%j %U %u %V %W %w', ${ts}), FORMAT_TIMESTAMP('%x %X %R %h', ${ts}), FORMAT_TIMESTAMP('%G %g %J', ${ts})`,
    columns: [str('020 03 3 03 03 3'), str('01/20/21 21:47:00 21:47 Jan'), str('2021 21 017')],
  },
  {
    name: 'FORMAT_TIMESTAMP: %E3S %E*S %E4Y %Ez %z %Z %s %% %n %t',
    doc: docs.format,
    sql: `SELECT FORMAT_TIMESTAMP('%E3S|%E*S|%E4Y|%Ez|%z|%Z|%%', ${ts}), FORMAT_TIMESTAMP('%s', ${ts}), FORMAT_TIMESTAMP('a%nb%tc', ${ts})`,
    columns: [str('00.123|00.123456|2021|+00:00|+0000|UTC|%'), str('1611179220'), str('a\nb\tc')],
  },
  {
    name: 'FORMAT_DATE with %e pads a single digit with a space; NULL stays NULL',
    doc: docs.format,
    sql: "SELECT FORMAT_DATE('%e %B %Y', DATE '2021-01-05'), FORMAT_DATE('%e', CAST(NULL AS DATE))",
    columns: [str(' 5 January 2021'), str(null)],
  },
  {
    name: 'a misspelt keyword at the start is a syntax error with line and column',
    doc: docs.syntaxError,
    sql: 'SELEC * FROM t',
    error: /^Syntax error: Unexpected identifier "SELEC" at \[1:1\]$/,
  },
  {
    name: 'an unexpected keyword is reported where it is, on its line',
    doc: docs.syntaxError,
    sql: 'SELECT 1\nFROM (SELECT 2 AS a) WHERE WHERE a = 1',
    error: /^Syntax error: Unexpected keyword WHERE at \[2:28\]$/,
  },
  {
    name: 'a query cut short is a syntax error at its end',
    doc: docs.syntaxError,
    sql: 'SELECT a FROM',
    error: /^Syntax error: Unexpected end of script at \[1:14\]$/,
  },
];
