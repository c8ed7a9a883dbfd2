/**
 * One conformance case: a GoogleSQL query and the result BigQuery documents for it, on the page
 * `doc` cites. Values are BigQuery's REST wire form (`f`/`v` strings), except TIMESTAMP, given as
 * an ISO instant (the wire carries epoch microseconds).
 */
export interface ConformanceCase {
  name: string;
  sql: string;
  doc: string;
  /** Each result column: its name (when the case checks it), BigQuery type and mode, and its value(s). */
  columns?: ExpectedColumn[];
  /** For multi-row results: the values of the first column, in order. */
  rows?: (string | null)[];
  /** The query fails with `invalidQuery` and a message matching this. */
  error?: RegExp;
}

export interface ExpectedColumn {
  name?: string;
  type: string;
  mode?: 'NULLABLE' | 'REPEATED';
  /** The value, a pattern it matches, or `undefined` when only the type is checked (e.g. CURRENT_DATE()). */
  value?: string | null | string[] | RegExp;
}

const base = 'https://cloud.google.com/bigquery/docs/reference/standard-sql';
export const docs = {
  querySyntax: `${base}/query-syntax`,
  conversion: `${base}/conversion_functions`,
  operators: `${base}/operators`,
  math: `${base}/mathematical_functions`,
  dataTypes: `${base}/data-types`,
  lexical: `${base}/lexical`,
  string: `${base}/string_functions`,
  hash: `${base}/hash_functions`,
  date: `${base}/date_functions`,
  datetime: `${base}/datetime_functions`,
  timestamp: `${base}/timestamp_functions`,
  aggregate: `${base}/aggregate_functions`,
  array: `${base}/array_functions`,
  utility: `${base}/utility-functions`,
  conditional: `${base}/conditional_expressions`,
  format: `${base}/format-elements`,
  json: `${base}/json_functions`,
  conversionRules: `${base}/conversion_rules`,
  approximate: `${base}/approximate_aggregate_functions`,
  /** BigQuery's syntax-error wording is not documented; this is a real one quoted in a public issue. */
  syntaxError: 'https://github.com/googleapis/mcp-toolbox/pull/586',
  /** ZetaSQL's compliance tests, the reference implementation of GoogleSQL, for FORMAT('%t'/'%T', NUMERIC). */
  formatNumericCompliance:
    'https://github.com/google/zetasql/blob/master/zetasql/compliance/functions_testlib_format_numeric.cc',
} as const;

export const int = (value: string | null, name?: string): ExpectedColumn => ({
  type: 'INTEGER',
  value,
  ...(name ? { name } : {}),
});
export const float = (value: string | null | RegExp): ExpectedColumn => ({ type: 'FLOAT', value });
export const numeric = (value: string | null): ExpectedColumn => ({ type: 'NUMERIC', value });
export const bool = (value: string | null): ExpectedColumn => ({ type: 'BOOLEAN', value });
export const str = (value: string | null | RegExp): ExpectedColumn => ({ type: 'STRING', value });
export const date = (value: string | null): ExpectedColumn => ({ type: 'DATE', value });
export const datetime = (value: string | null): ExpectedColumn => ({ type: 'DATETIME', value });
export const timestamp = (value: string | null): ExpectedColumn => ({ type: 'TIMESTAMP', value });
