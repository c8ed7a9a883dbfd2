import { bool, type ConformanceCase, docs, float, int, str } from './case.js';

const numbers =
  '(SELECT 1 AS x, true AS b, "b" AS s UNION ALL SELECT 2, false, "a" UNION ALL SELECT 3, true, "c")';

/** String, aggregate, array and utility functions analysts reach for first, and the project's own. */
export const functionCases: ConformanceCase[] = [
  {
    // Hash functions: MD5 "Computes the hash of the input using the MD5 algorithm. The input can
    // either be STRING or BYTES. […] This function returns 16 bytes." String functions: TO_HEX
    // "Converts a sequence of BYTES into a hexadecimal STRING", lower case (TO_HEX(b'foobar') = '666f6f626172').
    name: 'MD5 returns the 16 digest bytes, TO_HEX prints bytes in lower-case hex',
    doc: docs.hash,
    sql: "SELECT TO_HEX(MD5('abc')), TO_HEX(MD5(FROM_HEX('00ff'))), TO_HEX(FROM_HEX('0AFF')), BYTE_LENGTH(MD5('')), CAST(CONCAT('0x', SUBSTR(TO_HEX(MD5('abc')), 1, 15)) AS INT64)",
    columns: [
      str('900150983cd24fb0d6963f7d28e17f72'),
      str('d07d34efac6328007ad67c7e0a985e00'),
      str('0aff'),
      int('16'),
      int('648541476951500027'),
    ],
  },
  {
    name: 'BYTE_LENGTH counts bytes, LENGTH and CHAR_LENGTH characters',
    doc: docs.string,
    sql: "SELECT BYTE_LENGTH('абвгд'), LENGTH('абвгд'), CHAR_LENGTH('абвгд')",
    columns: [int('10'), int('5'), int('5')],
  },
  {
    name: 'UPPER, LOWER, SUBSTR, STRPOS, REPLACE',
    doc: docs.string,
    sql: "SELECT UPPER('foo'), LOWER('FOO'), SUBSTR('apple', 2, 2), STRPOS('foo@example.com', '@'), REPLACE('apple pie', 'pie', 'cobbler')",
    columns: [str('FOO'), str('foo'), str('pp'), int('4'), str('apple cobbler')],
  },
  {
    name: 'TRIM, LPAD, RPAD, STARTS_WITH, ENDS_WITH',
    doc: docs.string,
    sql: "SELECT TRIM('  x  '), LPAD('abc', 5, '*'), RPAD('abc', 5, '*'), STARTS_WITH('foo', 'b'), ENDS_WITH('apple', 'e')",
    columns: [str('x'), str('**abc'), str('abc**'), bool('false'), bool('true')],
  },
  {
    name: 'REGEXP_CONTAINS, REGEXP_EXTRACT (first group, NULL without a match), REGEXP_REPLACE (all matches)',
    doc: docs.string,
    sql: "SELECT REGEXP_CONTAINS('foo@example.com', '@'), REGEXP_EXTRACT('foo@example.com', '^([a-z]+)@'), REGEXP_EXTRACT('foo', '[0-9]+'), REGEXP_REPLACE('a1b2', '[0-9]', 'X')",
    columns: [bool('true'), str('foo'), str(null), str('aXbX')],
  },
  {
    name: 'SPLIT returns an ARRAY<STRING>',
    doc: docs.string,
    sql: "SELECT SPLIT('a,b,c', ',')",
    columns: [{ type: 'STRING', mode: 'REPEATED', value: ['a', 'b', 'c'] }],
  },
  {
    name: 'COUNT, SUM, AVG, MIN, MAX and COUNT(DISTINCT)',
    doc: docs.aggregate,
    sql: `SELECT COUNT(*), SUM(x), AVG(x), MIN(x), MAX(x), COUNT(DISTINCT b) FROM ${numbers}`,
    columns: [int('3'), int('6'), float('2.0'), int('1'), int('3'), int('2')],
  },
  {
    name: 'LOGICAL_AND, LOGICAL_OR and COUNTIF',
    doc: docs.aggregate,
    sql: `SELECT LOGICAL_AND(b), LOGICAL_OR(b), COUNTIF(x > 1) FROM ${numbers}`,
    columns: [bool('false'), bool('true'), int('2')],
  },
  {
    name: 'STRING_AGG with ORDER BY, and ANY_VALUE',
    doc: docs.aggregate,
    sql: `SELECT STRING_AGG(s, ',' ORDER BY s), ANY_VALUE(x) IS NOT NULL FROM ${numbers}`,
    columns: [str('a,b,c'), bool('true')],
  },
  {
    name: 'ARRAY_AGG(… ORDER BY … LIMIT n)',
    doc: docs.aggregate,
    sql: `SELECT ARRAY_AGG(x ORDER BY x DESC LIMIT 2) FROM ${numbers}`,
    columns: [{ type: 'INTEGER', mode: 'REPEATED', value: ['3', '2'] }],
  },
  {
    name: 'array subscripts OFFSET (from 0) and ORDINAL (from 1)',
    doc: docs.array,
    sql: `SELECT ARRAY_AGG(x ORDER BY x)[OFFSET(1)], ARRAY_AGG(x ORDER BY x)[ORDINAL(1)], ARRAY_AGG(x ORDER BY x)[SAFE_OFFSET(5)] FROM ${numbers}`,
    columns: [int('2'), int('1'), int(null)],
  },
  {
    name: 'OFFSET out of range is an error',
    doc: docs.array,
    sql: `SELECT ARRAY_AGG(x)[OFFSET(5)] FROM ${numbers}`,
    error: /Array index 5 is out of bounds/,
  },
  {
    name: 'ARRAY_LENGTH',
    doc: docs.array,
    sql: "SELECT ARRAY_LENGTH(SPLIT('a,b', ','))",
    columns: [int('2')],
  },
  {
    name: 'GENERATE_UUID returns a lower-case UUID string',
    doc: docs.utility,
    sql: 'SELECT GENERATE_UUID()',
    columns: [str(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)],
  },
  {
    name: 'IF, IFNULL, COALESCE, NULLIF and CASE',
    doc: docs.conditional,
    sql: "SELECT IF(1 > 0, 'yes', 'no'), IFNULL(NULL, 0), COALESCE(NULL, 'b', 'c'), NULLIF(1, 1), CASE WHEN 1 = 1 THEN 'one' END",
    columns: [str('yes'), int('0'), str('b'), int(null), str('one')],
  },
  {
    name: 'SELECT * EXCEPT',
    doc: docs.querySyntax,
    sql: 'SELECT * EXCEPT (a) FROM (SELECT 1 AS a, 2 AS b)',
    columns: [int('2', 'b')],
  },
  {
    name: 'QUALIFY with ROW_NUMBER, as the _current views use it',
    doc: docs.querySyntax,
    sql: `SELECT x FROM ${numbers} WHERE TRUE QUALIFY ROW_NUMBER() OVER (ORDER BY x DESC) = 1`,
    columns: [int('3', 'x')],
  },
  {
    name: 'WITH and a window SUM',
    doc: docs.querySyntax,
    sql: `WITH t AS ${numbers} SELECT SUM(x) OVER () AS total FROM t LIMIT 1`,
    columns: [int('6', 'total')],
  },
  {
    name: 'ABS, SIGN, CEIL, FLOOR and TRUNC',
    doc: docs.math,
    sql: 'SELECT ABS(-5), SIGN(-5), CEIL(1.2) = 2, FLOOR(1.8) = 1, TRUNC(2.7) = 2',
    columns: [int('5'), int('-1'), bool('true'), bool('true'), bool('true')],
  },
];
