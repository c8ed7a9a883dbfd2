import { type DuckDbSyntaxError, locate, type SourceMap, unexpected } from './syntax.js';
import { QueryTranslationError, type Token, tokenize } from './tokenizer.js';
import { isCode, isWord, type ObjectName, type TranslationContext, Translator } from './translator.js';

export type { ObjectName, TranslationContext } from './translator.js';

/** A DuckDB syntax error in the translated SQL, told in BigQuery's words at the source's line and column. */
export type SyntaxErrorLocator = (error: DuckDbSyntaxError) => QueryTranslationError;

/**
 * Words that start a GoogleSQL statement (FROM: pipe syntax): the emulator refuses them by name,
 * anything else is a syntax error.
 */
const statementWords = new Set(
  `ALTER ASSERT BEGIN BREAK CALL CASE COMMIT CONTINUE CREATE DECLARE DELETE DESCRIBE DROP EXECUTE
  EXPLAIN EXPORT FOR FROM GRANT IF INSERT ITERATE LEAVE LOAD LOOP MERGE RAISE REPEAT RETURN REVOKE ROLLBACK
  SET TRUNCATE UNDROP UPDATE WHILE`.split(/\s+/),
);

export type Statement =
  | { type: 'SELECT'; sql: string; syntaxError: SyntaxErrorLocator }
  | {
      type: 'CREATE_VIEW';
      replace: boolean;
      ifNotExists: boolean;
      target: ObjectName;
      sql: string;
      source: string;
      syntaxError: SyntaxErrorLocator;
    }
  | { type: 'DROP_VIEW'; ifExists: boolean; target: ObjectName };

/**
 * Translates one GoogleSQL statement to DuckDB, token by token: names in backticks, string literals,
 * `* EXCEPT`, CAST/SAFE_CAST types and PARSE_TIMESTAMP are rewritten; QUALIFY, COUNT and window
 * functions mean the same in both. Anything the emulator knows it cannot honour throws
 * QueryTranslationError; remaining differences surface as DuckDB errors, wrapped by the caller.
 */
export function translateStatement(sql: string, context: TranslationContext): Statement {
  const tokens = tokenize(sql).filter((token) => token.kind !== 'comment');
  while (
    tokens.length > 0 &&
    (!isCode(tokens[tokens.length - 1] as Token) || tokens[tokens.length - 1]?.text === ';')
  ) {
    tokens.pop();
  }
  if (tokens.some((token) => token.text === ';')) {
    throw new QueryTranslationError('Multi-statement scripts are not supported by the BigQuery emulator');
  }
  const code = tokens.map((token, index) => ({ token, index })).filter(({ token }) => isCode(token));
  const first = code[0]?.token;
  if (first === undefined) throw new QueryTranslationError('The query is empty');
  if (isWord(first, 'SELECT') || isWord(first, 'WITH') || first.text === '(') {
    const map: SourceMap = [];
    const translated = new Translator(tokens, context).range(0, tokens.length, map);
    return { type: 'SELECT', sql: translated, syntaxError: (error) => locate(sql, map, error) };
  }
  if (!statementWords.has(first.text.toUpperCase())) throw unexpected(sql, first);
  const words = code.map(({ token }) => token.text.toUpperCase());
  let at = 1;
  const accept = (...expected: string[]): boolean => {
    if (expected.every((word, offset) => words[at + offset] === word)) {
      at += expected.length;
      return true;
    }
    return false;
  };
  if (isWord(first, 'CREATE')) {
    const replace = accept('OR', 'REPLACE');
    if (!accept('VIEW'))
      throw unsupportedStatement(
        code
          .slice(0, 3)
          .map(({ token }) => token.text)
          .join(' '),
      );
    const ifNotExists = accept('IF', 'NOT', 'EXISTS');
    const translator = new Translator(tokens, context);
    const { name, next } = translator.objectName(code[at]?.index ?? tokens.length);
    const asIndex = tokens.findIndex((token, index) => index >= next && isCode(token));
    if (!isWord(tokens[asIndex], 'AS'))
      throw new QueryTranslationError(
        'Expected AS after the view name (OPTIONS and column lists are not supported)',
      );
    const body = tokens.slice(asIndex + 1);
    const map: SourceMap = [];
    const translated = new Translator(body, context).range(0, body.length, map);
    const leading = translated.length - translated.trimStart().length;
    return {
      type: 'CREATE_VIEW',
      replace,
      ifNotExists,
      target: name,
      sql: translated.trim(),
      syntaxError: (error) =>
        locate(sql, map, Object.assign(error, { position: (error.position ?? 0) + leading })),
      source: body
        .map((token) => token.text)
        .join('')
        .trim(),
    };
  }
  if (isWord(first, 'DROP') && accept('VIEW')) {
    const ifExists = accept('IF', 'EXISTS');
    const { name } = new Translator(tokens, context).objectName(code[at]?.index ?? tokens.length);
    return { type: 'DROP_VIEW', ifExists, target: name };
  }
  throw unsupportedStatement(first.text);
}

const unsupportedStatement = (start: string): QueryTranslationError =>
  new QueryTranslationError(
    `Statement "${start} …" is not supported by the BigQuery emulator (supported: SELECT, WITH, CREATE [OR REPLACE] VIEW, DROP VIEW)`,
  );
