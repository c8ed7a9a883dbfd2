import { type ConformanceCase, docs, str } from './case.js';

const json = (value: string | null): { type: string; value: string | null } => ({ type: 'JSON', value });
const tagged =
  '(SELECT \'{"tag": "alpha", "n": 1}\' AS metadata UNION ALL SELECT \'{"tag": "beta", "n": 2}\')';

/** The JSON family, with the results the GoogleSQL reference documents ("JSON functions"). */
export const jsonCases: ConformanceCase[] = [
  {
    name: 'JSON_VALUE gives a scalar without its quotes, JSON_QUERY the JSON text',
    doc: docs.json,
    sql: `SELECT JSON_QUERY('{"name": "Jakob", "age": "6"}', '$.name'), JSON_VALUE('{"name": "Jakob", "age": "6"}', '$.name'), JSON_QUERY('{"name": "Jakob", "age": "6"}', '$.age'), JSON_VALUE('{"name": "Jakob", "age": "6"}', '$.age')`,
    columns: [str('"Jakob"'), str('Jakob'), str('"6"'), str('6')],
  },
  {
    name: 'JSON_VALUE of an array is NULL, JSON_QUERY gives it compact',
    doc: docs.json,
    sql: `SELECT JSON_QUERY('{"fruits": ["apple", "banana"]}', '$.fruits'), JSON_VALUE('{"fruits": ["apple", "banana"]}', '$.fruits')`,
    columns: [str('["apple","banana"]'), str(null)],
  },
  {
    name: 'a WHERE on JSON_VALUE finds the row',
    doc: docs.json,
    sql: `SELECT JSON_VALUE(metadata, '$.n') FROM ${tagged} WHERE JSON_VALUE(metadata, '$.tag') = 'alpha'`,
    rows: ['1'],
  },
  {
    name: 'JSON_VALUE and JSON_EXTRACT_SCALAR escape keys with "a.b" and [\'a.b\']',
    doc: docs.json,
    sql: `SELECT JSON_VALUE('{"a.b": {"c": "world"}}', '$."a.b".c'), JSON_EXTRACT_SCALAR('{"a.b": {"c": "world"}}', "$['a.b'].c")`,
    columns: [str('world'), str('world')],
  },
  {
    name: 'JSON_QUERY: a JSON null in a JSON-formatted STRING is a SQL NULL, a missing element too',
    doc: docs.json,
    sql: `SELECT JSON_QUERY('{"class": {"students": [{"name": "John"}, {"name": null}]}}', '$.class.students[1].name'), JSON_QUERY('{"class": {"students": []}}', '$.class.students[0]'), JSON_QUERY('{"class": {"students": [{"name": "Jane"}]}}', '$.class.students[0]')`,
    columns: [str(null), str(null), str('{"name":"Jane"}')],
  },
  {
    name: 'JSON_QUERY of a JSON value is JSON',
    doc: docs.json,
    sql: `SELECT JSON_QUERY(JSON '{"class": {"students": [{"id": 5}, {"id": 12}]}}', '$.class')`,
    columns: [json('{"students":[{"id":5},{"id":12}]}')],
  },
  {
    name: 'JSON_EXTRACT and JSON_EXTRACT_SCALAR, the legacy extractors',
    doc: docs.json,
    sql: `SELECT JSON_EXTRACT('{"name": "Jakob", "age": "6" }', '$.name'), JSON_EXTRACT_SCALAR('{"name": "Jakob", "age": "6" }', '$.age')`,
    columns: [str('"Jakob"'), str('6')],
  },
  {
    name: 'JSON_QUERY_ARRAY and JSON_VALUE_ARRAY',
    doc: docs.json,
    sql: `SELECT JSON_QUERY_ARRAY('["apples", "oranges"]'), JSON_VALUE_ARRAY('["apples", "oranges"]'), JSON_VALUE_ARRAY('[{"a": 1}]')`,
    columns: [
      { type: 'STRING', mode: 'REPEATED', value: ['"apples"', '"oranges"'] },
      { type: 'STRING', mode: 'REPEATED', value: ['apples', 'oranges'] },
      { type: 'STRING', mode: 'REPEATED', value: [] },
    ],
  },
  {
    name: 'JSON field access and subscripts give JSON, NULL when missing',
    doc: docs.operators,
    sql: `SELECT JSON '{"a": {"b": "x"}}'.a.b, JSON '[1, 2]'[1], JSON '{"a": 1}'['a'], JSON '{"a": 1}'.missing`,
    columns: [json('"x"'), json('2'), json('1'), json(null)],
  },
  {
    name: 'PARSE_JSON and a JSON literal hold the value compact',
    doc: docs.json,
    sql: `SELECT PARSE_JSON('{"coordinates": [10, 20], "id": 1}'), JSON '{"coordinates": [10, 20], "id": 1}'`,
    columns: [json('{"coordinates":[10,20],"id":1}'), json('{"coordinates":[10,20],"id":1}')],
  },
  {
    name: 'PARSE_JSON gives compact JSON, JSON_TYPE names its type',
    doc: docs.json,
    sql: `SELECT PARSE_JSON('{"id": 1,  "tags": ["a"]}'), JSON_TYPE(JSON '1'), JSON_TYPE(JSON '"x"'), JSON_TYPE(JSON '{"a": 1}')`,
    columns: [json('{"id":1,"tags":["a"]}'), str('number'), str('string'), str('object')],
  },
  {
    name: 'TO_JSON_STRING: NUMERIC a number when integral within 2^53, else a string; INT64 beyond 2^53 a string',
    doc: docs.json,
    sql: `SELECT TO_JSON_STRING(NUMERIC '-1'), TO_JSON_STRING(NUMERIC '123.56'), TO_JSON_STRING(BIGNUMERIC '0'), TO_JSON_STRING(9007199254740992), TO_JSON_STRING(9007199254740993)`,
    columns: [str('-1'), str('"123.56"'), str('0'), str('9007199254740992'), str('"9007199254740993"')],
  },
  {
    name: 'TO_JSON_STRING of FLOAT64, STRING, BOOL, NULL, DATE, TIMESTAMP and DATETIME',
    doc: docs.json,
    sql: `SELECT TO_JSON_STRING(1.0), TO_JSON_STRING(CAST('inf' AS FLOAT64)), TO_JSON_STRING('"abc"'), TO_JSON_STRING(TRUE), TO_JSON_STRING(NULL), TO_JSON_STRING(DATE '2017-03-06'), TO_JSON_STRING(TIMESTAMP '2017-03-06 12:34:56.789012'), TO_JSON_STRING(DATETIME '2017-03-06 12:34:56.789012')`,
    columns: [
      str('1'),
      str('"Infinity"'),
      str('"\\"abc\\""'),
      str('true'),
      str('null'),
      str('"2017-03-06"'),
      str('"2017-03-06T12:34:56.789012Z"'),
      str('"2017-03-06T12:34:56.789012"'),
    ],
  },
];
