import { type ConformanceCase, docs } from './case.js';

/** Constructs the emulator does not emulate: a clear invalidQuery naming them, never a raw DuckDB error. */
export const unsupportedCases: ConformanceCase[] = [
  {
    name: 'an unknown function',
    doc: docs.querySyntax,
    sql: 'SELECT NO_SUCH_FUNCTION(1)',
    error: /^Function not found: no_such_function/i,
  },
  {
    name: 'an unknown column',
    doc: docs.querySyntax,
    sql: 'SELECT missing_column FROM (SELECT 1 AS a)',
    error: /^Unrecognized name: missing_column/,
  },
  {
    name: 'DATE_DIFF with ISOYEAR',
    doc: docs.date,
    sql: "SELECT DATE_DIFF(DATE '2017-12-30', DATE '2014-12-30', ISOYEAR)",
    error: /DATE_DIFF with date part ISOYEAR is not supported by the BigQuery emulator/,
  },
  {
    name: 'FORMAT_TIMESTAMP in a time zone other than UTC',
    doc: docs.timestamp,
    sql: "SELECT FORMAT_TIMESTAMP('%c', CURRENT_TIMESTAMP(), 'America/Los_Angeles')",
    error: /FORMAT_TIMESTAMP with a time zone other than "UTC" is not supported/,
  },
  {
    name: 'a GoogleSQL function not emulated is refused by name, not called missing',
    doc: docs.approximate,
    sql: 'SELECT APPROX_TOP_COUNT(x, 2) FROM (SELECT 1 AS x)',
    error: /^Function APPROX_TOP_COUNT is not supported by the BigQuery emulator$/,
  },
  {
    name: 'a namespaced GoogleSQL function not emulated is refused by name',
    doc: docs.json,
    sql: "SELECT NET.HOST('https://example.com')",
    error: /^Function NET is not supported by the BigQuery emulator$/,
  },
  {
    name: 'JSON mutators are refused by name',
    doc: docs.json,
    sql: `SELECT JSON_SET(JSON '{"a": 1}', '$.a', 2)`,
    error: /^Function JSON_SET is not supported by the BigQuery emulator$/,
  },
  {
    name: 'STRUCT values',
    doc: docs.dataTypes,
    sql: 'SELECT STRUCT(1 AS a)',
    error: /STRUCT values are not supported/,
  },
  {
    name: 'BIGNUMERIC division it cannot do exactly (fails loudly instead of rounding)',
    doc: docs.operators,
    sql: "SELECT BIGNUMERIC '1.123456789012345678' / BIGNUMERIC '2'",
    error:
      /division of BIGNUMERIC values with more than 9 decimals is not supported by the BigQuery emulator/,
  },
  {
    name: 'MERGE',
    doc: docs.querySyntax,
    sql: 'MERGE ds.t USING ds.s ON FALSE WHEN NOT MATCHED THEN INSERT ROW',
    error: /MERGE .*not supported/,
  },
  {
    name: 'a table missing its dataset',
    doc: docs.querySyntax,
    sql: 'SELECT * FROM some_table',
    error: /^Table name "some_table" missing dataset while no default dataset is set in the request\.$/,
  },
];
