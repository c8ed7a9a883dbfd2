/** Lexical tokens of GoogleSQL, enough to translate this project's queries to DuckDB. */
export type TokenKind = 'space' | 'comment' | 'string' | 'quoted' | 'word' | 'number' | 'param' | 'symbol';

export interface Token {
  kind: TokenKind;
  /** The source text of the token. */
  text: string;
  /** For strings: the decoded value; for backtick-quoted identifiers: the name inside. */
  value?: string;
  /** Where the token starts in the source text, for syntax errors' line and column. */
  offset?: number;
}

export class QueryTranslationError extends Error {
  override name = 'QueryTranslationError';
}

const escapes: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
  '?': '?',
};

function readQuoted(sql: string, start: number, quote: string): { end: number; value: string } {
  let value = '';
  let i = start + 1;
  while (i < sql.length) {
    const char = sql[i] as string;
    if (char === '\\') {
      const next = sql[i + 1] ?? '';
      const decoded = escapes[next];
      if (decoded === undefined)
        throw new QueryTranslationError(`Unsupported escape sequence \\${next} in a literal`);
      value += decoded;
      i += 2;
      continue;
    }
    if (char === quote) return { end: i + 1, value };
    value += char;
    i += 1;
  }
  throw new QueryTranslationError(
    `Unclosed ${quote === '`' ? 'identifier' : 'string literal'} starting at ${start}`,
  );
}

const rules: [TokenKind, RegExp][] = [
  ['space', /^\s+/],
  ['comment', /^(--|#)[^\n]*/],
  ['comment', /^\/\*[\s\S]*?\*\//],
  ['word', /^[A-Za-z_][A-Za-z0-9_]*/],
  ['number', /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/],
  ['param', /^@@?[A-Za-z_][A-Za-z0-9_.]*/],
  ['symbol', /^(<>|!=|<=|>=|\|\||<<|>>|=>)/],
];

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    const char = sql[i] as string;
    if (/^('''|""")/.test(rest) || /^[rRbB]{1,2}['"]/.test(rest)) {
      throw new QueryTranslationError(
        'Triple-quoted, raw and bytes literals are not supported by the BigQuery emulator',
      );
    }
    if (char === "'" || char === '"' || char === '`') {
      const { end, value } = readQuoted(sql, i, char);
      tokens.push({ kind: char === '`' ? 'quoted' : 'string', text: sql.slice(i, end), value, offset: i });
      i = end;
      continue;
    }
    const rule = rules
      .map(([kind, pattern]) => [kind, pattern.exec(rest)] as const)
      .find(([, match]) => match);
    const token: Token = rule?.[1]
      ? { kind: rule[0], text: rule[1][0], offset: i }
      : { kind: 'symbol', text: char, offset: i };
    tokens.push(token);
    i += token.text.length;
  }
  return tokens;
}
