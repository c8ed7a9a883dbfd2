import { QueryTranslationError, type Token } from './tokenizer.js';

/**
 * Syntax errors in BigQuery's words, with the line and column of the GoogleSQL text the user wrote:
 * `Syntax error: Unexpected identifier "SELEC" at [1:1]`, `Unexpected keyword WHERE at [2:28]`,
 * `Unexpected end of script at [1:14]`. DuckDB finds most of them in the translated SQL; the
 * translator keeps where each source token went, so the position is mapped back.
 */

/** GoogleSQL's reserved keywords ("Lexical structure and syntax"): BigQuery calls them keywords, other words identifiers. */
const reservedKeywords = new Set(
  `ALL AND ANY ARRAY AS ASC ASSERT_ROWS_MODIFIED AT BETWEEN BY CASE CAST COLLATE CONTAINS CREATE CROSS
  CUBE CURRENT DEFAULT DEFINE DESC DISTINCT ELSE END ENUM ESCAPE EXCEPT EXCLUDE EXISTS EXTRACT FALSE
  FETCH FOLLOWING FOR FROM FULL GROUP GROUPING GROUPS HASH HAVING IF IGNORE IN INNER INTERSECT INTERVAL
  INTO IS JOIN LATERAL LEFT LIKE LIMIT LOOKUP MERGE NATURAL NEW NO NOT NULL NULLS OF ON OR ORDER OUTER
  OVER PARTITION PRECEDING PROTO QUALIFY RANGE RECURSIVE RESPECT RIGHT ROLLUP ROWS SELECT SET SOME
  STRUCT TABLESAMPLE THEN TO TREAT TRUE UNBOUNDED UNION UNNEST USING WHEN WHERE WINDOW WITH WITHIN`.split(
    /\s+/,
  ),
);

/** A DuckDB parser error: its message and where in the translated SQL it was found. */
export class DuckDbSyntaxError extends QueryTranslationError {
  override name = 'DuckDbSyntaxError';
  constructor(
    message: string,
    readonly position: number | undefined,
  ) {
    super(`Syntax error: ${message}`);
  }
}

function lineAndColumn(source: string, offset: number): string {
  const before = source.slice(0, offset).split('\n');
  return `[${before.length}:${(before[before.length - 1]?.length ?? 0) + 1}]`;
}

function describe(token: Token): string {
  if (token.kind === 'word') {
    const upper = token.text.toUpperCase();
    return reservedKeywords.has(upper) ? `keyword ${upper}` : `identifier "${token.text}"`;
  }
  if (token.kind === 'quoted') return `identifier ${token.text}`;
  if (token.kind === 'string') return `string literal ${token.text}`;
  if (token.kind === 'number') {
    return /[.eE]/.test(token.text)
      ? `floating point literal "${token.text}"`
      : `integer literal "${token.text}"`;
  }
  return `"${token.text}"`;
}

/** `Syntax error: Unexpected … at [line:column]` for a source token, or for the end of the script. */
export function unexpected(source: string, token: Token | undefined): QueryTranslationError {
  if (token?.offset === undefined) {
    return new QueryTranslationError(
      `Syntax error: Unexpected end of script at ${lineAndColumn(source, source.trimEnd().length)}`,
    );
  }
  return new QueryTranslationError(
    `Syntax error: Unexpected ${describe(token)} at ${lineAndColumn(source, token.offset)}`,
  );
}

/** Where each source token's translation starts in the DuckDB SQL: [offset in the SQL, token]. */
export type SourceMap = [number, Token][];

/** The BigQuery-style error for a DuckDB syntax error at `position` of SQL translated with `map`. */
export function locate(source: string, map: SourceMap, error: DuckDbSyntaxError): QueryTranslationError {
  if (error.position === undefined || /at end of input/.test(error.message))
    return unexpected(source, undefined);
  let found: number | undefined;
  for (let i = 0; i < map.length; i += 1) {
    if ((map[i]?.[0] ?? Number.POSITIVE_INFINITY) <= error.position) found = i;
  }
  if (found === undefined) return unexpected(source, undefined);
  // The error points at a code token; a space before it maps to the next one.
  const token = map.slice(found).find(([, t]) => t.kind !== 'space' && t.kind !== 'comment')?.[1];
  return unexpected(source, token);
}
