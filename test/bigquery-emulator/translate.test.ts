import { describe, expect, it } from 'vitest';
import { QueryTranslationError } from '../../local/bigquery-emulator/query/tokenizer.js';
import { translateStatement } from '../../local/bigquery-emulator/query/translate.js';

const context = { projectId: 'local-project' };
const selectSql = (sql: string): string => {
  const statement = translateStatement(sql, context);
  if (statement.type !== 'SELECT') throw new Error(`expected SELECT, got ${statement.type}`);
  return statement.sql;
};

describe('translateStatement', () => {
  describe.each([
    ['a backtick project.dataset.table name', 'SELECT a FROM `local-project.ds.t`', 'SELECT a FROM "ds"."t"'],
    ['a backtick dataset.table name', 'SELECT a FROM `ds.t`', 'SELECT a FROM "ds"."t"'],
    ['backtick parts joined by dots', 'SELECT a FROM `local-project`.ds.`t`', 'SELECT a FROM "ds"."t"'],
    ['SELECT * EXCEPT', 'SELECT * EXCEPT (a, b) FROM t', 'SELECT * EXCLUDE (a, b) FROM t'],
    ['a qualified * EXCEPT', 'SELECT x.* EXCEPT(a) FROM t x', 'SELECT x.* EXCLUDE(a) FROM t x'],
    [
      'SAFE_CAST to INT64 (GoogleSQL rounding, NULL for "1.5")',
      'SELECT SAFE_CAST(a AS INT64) FROM t',
      'SELECT "bq-fn".safe_int64(a) FROM t',
    ],
    [
      'SAFE_CAST with a BigQuery type',
      'SELECT SAFE_CAST(a AS FLOAT64) FROM t',
      'SELECT TRY_CAST(a AS DOUBLE) FROM t',
    ],
    [
      'CAST to STRING (NUMERIC without trailing zeros)',
      'SELECT CAST(a AS STRING) FROM t',
      'SELECT "bq-fn".string(a) FROM t',
    ],
    [
      'CAST to NUMERIC with precision',
      'SELECT CAST(a AS NUMERIC(10, 2)) FROM t',
      'SELECT CAST(a AS DECIMAL(10, 2)) FROM t',
    ],
    [
      'CAST to TIMESTAMP (UTC instant)',
      'SELECT CAST(a AS TIMESTAMP) FROM t',
      'SELECT CAST(a AS TIMESTAMPTZ) FROM t',
    ],
    [
      'PARSE_TIMESTAMP with the DMS format',
      "SELECT PARSE_TIMESTAMP('%Y-%m-%d %H:%M:%E6S', _dms_timestamp) FROM t",
      "SELECT CAST(strptime(_dms_timestamp, '%Y-%m-%d %H:%M:%S.%f') AS TIMESTAMPTZ) FROM t",
    ],
    ['double-quoted string literals', 'SELECT a FROM t WHERE Op != "D"', "SELECT a FROM t WHERE Op != 'D'"],
    ['escapes in string literals', "SELECT 'it\\'s'", "SELECT 'it''s'"],
    [
      'QUALIFY (same in DuckDB)',
      'SELECT * FROM t WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts DESC) = 1',
      'SELECT * FROM t WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts DESC) = 1',
    ],
    ['COUNT (same in DuckDB)', 'SELECT COUNT(*) AS n FROM t', 'SELECT COUNT(*) AS n FROM t'],
    ['a decimal literal as FLOAT64', 'SELECT 1.5, 2', 'SELECT CAST(1.5 AS DOUBLE), 2'],
    ['a trailing semicolon', 'SELECT 1;', 'SELECT 1'],
    ['comments', 'SELECT a -- the key\nFROM t', 'SELECT a \nFROM t'],
    [
      'a TIMESTAMP literal as a UTC instant',
      "SELECT TIMESTAMP '2024-01-01'",
      "SELECT CAST('2024-01-01' AS TIMESTAMPTZ)",
    ],
    [
      'ARRAY_AGG with LIMIT as a sliced list',
      'SELECT ARRAY_AGG(x ORDER BY x LIMIT 2) FROM t',
      'SELECT list_slice(array_agg(x ORDER BY x), 1, 2) FROM t',
    ],
    [
      'STRING_AGG with LIMIT as the non-NULL values, ordered, sliced and joined',
      "SELECT STRING_AGG(DISTINCT x, ', ' ORDER BY x LIMIT 2) FROM t",
      "SELECT CASE WHEN count(x) > 0 THEN array_to_string(list_slice(array_agg(DISTINCT x ORDER BY x) FILTER (WHERE x IS NOT NULL), 1, 2), ', ') END FROM t",
    ],
    [
      "JSON_EXTRACT_SCALAR with a ['key'] path in DuckDB's .\"key\" spelling",
      'SELECT JSON_EXTRACT_SCALAR(j, "$[\'a.b\'].c") FROM t',
      `SELECT "bq-fn".json_value(j, '$."a.b".c') FROM t`,
    ],
    [
      'APPROX_COUNT_DISTINCT as an exact count',
      'SELECT APPROX_COUNT_DISTINCT(x) FROM t',
      'SELECT count(DISTINCT x) FROM t',
    ],
    ['an OFFSET subscript', 'SELECT a[OFFSET(1)] FROM t', 'SELECT a["bq-fn".at_offset(1)] FROM t'],
    [
      'DATE_TRUNC to a Sunday week',
      'SELECT DATE_TRUNC(d, WEEK) FROM t',
      'SELECT "bq-fn".trunc_week(d) FROM t',
    ],
    [
      'TIMESTAMP_DIFF as whole parts elapsed',
      'SELECT TIMESTAMP_DIFF(a, b, HOUR) FROM t',
      "SELECT date_sub('hour', b, a) FROM t",
    ],
    [
      'EXTRACT(DAYOFWEEK) from Sunday = 1',
      'SELECT EXTRACT(DAYOFWEEK FROM d) FROM t',
      'SELECT (dayofweek(d) + 1) FROM t',
    ],
  ])('%s', (_name, input, expected) => {
    it('translates to DuckDB SQL', () => {
      // Act
      const sql = selectSql(input);

      // Assess
      expect(sql).toBe(expected);
    });
  });

  it('splits CREATE OR REPLACE VIEW into its target and translated body', () => {
    // Prepare
    const sql = 'CREATE OR REPLACE VIEW `local-project.ds.t_current` AS SELECT * EXCEPT (Op) FROM `ds.t`';

    // Act
    const statement = translateStatement(sql, context);

    // Assess
    expect(statement).toEqual({
      type: 'CREATE_VIEW',
      replace: true,
      ifNotExists: false,
      target: { datasetId: 'ds', tableId: 't_current' },
      sql: 'SELECT * EXCLUDE (Op) FROM "ds"."t"',
      source: 'SELECT * EXCEPT (Op) FROM `ds.t`',
      syntaxError: expect.any(Function),
    });
  });

  it('names the target of DROP VIEW IF EXISTS', () => {
    // Act
    const statement = translateStatement('DROP VIEW IF EXISTS ds.v', context);

    // Assess
    expect(statement).toEqual({
      type: 'DROP_VIEW',
      ifExists: true,
      target: { datasetId: 'ds', tableId: 'v' },
    });
  });

  it('resolves a one-part view name against the default dataset', () => {
    // Act
    const statement = translateStatement('CREATE VIEW v AS SELECT 1', { ...context, defaultDatasetId: 'ds' });

    // Assess
    expect(statement).toMatchObject({ type: 'CREATE_VIEW', target: { datasetId: 'ds', tableId: 'v' } });
  });

  describe.each([
    ['MERGE statements', 'MERGE ds.t USING ds.s ON TRUE WHEN MATCHED THEN DELETE', /MERGE/],
    ['INSERT statements', 'INSERT INTO ds.t VALUES (1)', /not supported.*SELECT, WITH/],
    ['scripts', 'SELECT 1; SELECT 2', /Multi-statement/],
    ['query parameters', 'SELECT * FROM t WHERE id = @id', /parameters \(@id\)/],
    ['wildcard tables', 'SELECT _TABLE_SUFFIX FROM t', /_TABLE_SUFFIX/],
    ['PARSE_TIMESTAMP with a time zone', "SELECT PARSE_TIMESTAMP('%F', s, 'UTC')", /time zone/],
    ['an unknown CAST type', 'SELECT CAST(a AS GEOGRAPHY)', /CAST to GEOGRAPHY/],
    ['an unsupported format element', "SELECT PARSE_TIMESTAMP('%E4S', s)", /%E4S/],
    [
      'a misspelt first keyword',
      'SELEC *\nFROM t',
      /^Syntax error: Unexpected identifier "SELEC" at \[1:1\]$/,
    ],
    [
      'a statement starting with a keyword',
      '  ORDER BY x',
      /^Syntax error: Unexpected keyword ORDER at \[1:3\]$/,
    ],
    ['pipe syntax', 'FROM t |> WHERE x = 1', /Statement "FROM …" is not supported/],
    [
      'a format element GoogleSQL lacks',
      "SELECT FORMAT_DATE('%K', d)",
      /%K is not a GoogleSQL format element/,
    ],
  ])('rejects %s', (_name, input, message) => {
    it('with a QueryTranslationError naming the construct', () => {
      // Act
      const act = (): unknown => translateStatement(input, context);

      // Assess
      expect(act).toThrow(QueryTranslationError);
      expect(act).toThrow(message);
    });
  });
});
