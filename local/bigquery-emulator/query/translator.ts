import { quoteIdent, quoteString } from '../types.js';
import { hasCallTranslation, translateCall, translateExtract } from './calls.js';
import {
  castMacros,
  castType,
  literalTypes,
  refusedFunctions,
  strptimeFormat,
  subscriptWords,
  unsupportedWords,
} from './functions.js';
import { macroSchema } from './macros.js';
import type { SourceMap } from './syntax.js';
import { QueryTranslationError, type Token } from './tokenizer.js';

export interface TranslationContext {
  projectId: string;
  defaultDatasetId?: string;
}

export interface ObjectName {
  datasetId: string;
  tableId: string;
}

export const isCode = (token: Token): boolean => token.kind !== 'space' && token.kind !== 'comment';
export const isWord = (token: Token | undefined, word: string): boolean =>
  token?.kind === 'word' && token.text.toUpperCase() === word;

/**
 * Rewrites a token range of GoogleSQL into DuckDB SQL: names in backticks, string and decimal
 * literals, `* EXCEPT`, CAST/SAFE_CAST types and PARSE_TIMESTAMP; refuses constructs it knows
 * DuckDB would read differently.
 */
export class Translator {
  constructor(
    private readonly tokens: Token[],
    private readonly context: TranslationContext,
  ) {}

  /** Translates tokens[start, end); with `map`, records where each token's translation starts. */
  range(start: number, end: number, map?: SourceMap): string {
    let out = '';
    let i = start;
    while (i < end) {
      const token = this.tokens[i] as Token;
      map?.push([out.length, token]);
      if (token.kind === 'string') {
        out += quoteString(token.value ?? '');
        i += 1;
      } else if (token.kind === 'number' && /[.eE]/.test(token.text)) {
        // GoogleSQL reads 1.5 as FLOAT64; DuckDB would make it a DECIMAL.
        out += `CAST(${token.text} AS DOUBLE)`;
        i += 1;
      } else if (token.kind === 'param') {
        throw new QueryTranslationError(
          `Query parameters (${token.text}) are not supported by the BigQuery emulator`,
        );
      } else if (token.kind === 'quoted') {
        const { sql, next } = this.path(i);
        out += sql;
        i = next;
      } else if (token.kind === 'word') {
        const { sql, next } = this.word(i, end);
        out += sql;
        i = next;
      } else if (
        token.text === '[' &&
        subscriptWords.includes(this.tokens[this.nextCode(i + 1)]?.text.toUpperCase() ?? '')
      ) {
        // a[OFFSET(n)] → a["bq-fn".at_offset(n)]; the parse-tree pass makes it a bounds-checked macro call.
        const word = this.nextCode(i + 1);
        const open = this.nextCode(word + 1);
        const close = this.closing(open, end);
        out += `[${macroSchema}.at_${(this.tokens[word] as Token).text.toLowerCase()}(${this.range(open + 1, close)})`;
        i = close + 1;
      } else if (token.text === '*' && isWord(this.tokens[this.nextCode(i + 1)], 'EXCEPT')) {
        // BigQuery's `SELECT * EXCEPT (a, b)` is DuckDB's `SELECT * EXCLUDE (a, b)`.
        out += '* EXCLUDE';
        i = this.nextCode(i + 1) + 1;
      } else {
        out += token.text;
        i += 1;
      }
    }
    return out;
  }

  /** Index of the next non-space token at or after `from`. */
  private nextCode(from: number): number {
    let i = from;
    while (i < this.tokens.length && !isCode(this.tokens[i] as Token)) i += 1;
    return i;
  }

  private word(i: number, end: number): { sql: string; next: number } {
    const token = this.tokens[i] as Token;
    const upper = token.text.toUpperCase();
    const unsupported = unsupportedWords[upper];
    if (unsupported !== undefined && (upper !== 'SAFE' || this.tokens[i + 1]?.text === '.')) {
      throw new QueryTranslationError(`${unsupported} are not supported by the BigQuery emulator`);
    }
    const open = this.nextCode(i + 1);
    const isCall = this.tokens[open]?.text === '(';
    // A refused function, or a namespace of them (NET.HOST(…)); never a column or alias, which no `(` follows.
    const namespaced = this.tokens[i + 1]?.text === '.' && this.tokens[this.nextCode(i + 3)]?.text === '(';
    if ((isCall || namespaced) && this.tokens[i - 1]?.text !== '.' && refusedFunctions.has(upper)) {
      throw new QueryTranslationError(`Function ${upper} is not supported by the BigQuery emulator`);
    }
    const literalType = literalTypes[upper];
    if (literalType !== undefined && this.tokens[open]?.kind === 'string') {
      // `TIMESTAMP '…'` is a UTC instant in GoogleSQL; DuckDB's TIMESTAMP literal is a DATETIME.
      // A JSON value is held compact, as PARSE_JSON gives it; DuckDB's cast would keep the spacing.
      const literal = quoteString(this.tokens[open]?.value ?? '');
      return {
        sql: upper === 'JSON' ? `json(${literal})` : `CAST(${literal} AS ${literalType})`,
        next: open + 1,
      };
    }
    if (!isCall && upper.startsWith('CURRENT_') && this.tokens[i - 1]?.text !== '.') {
      // GoogleSQL's `CURRENT_TIMESTAMP` without parentheses reads the emulator's clock too.
      const translated = translateCall(upper, { sql: [], tokens: [] });
      if (translated !== undefined) return { sql: translated, next: i + 1 };
    }
    if (isCall && (upper === 'CAST' || upper === 'SAFE_CAST')) {
      const close = this.closing(open, end);
      return { sql: this.castBody(upper === 'SAFE_CAST', open + 1, close), next: close + 1 };
    }
    if (isCall && upper === 'EXTRACT') {
      const close = this.closing(open, end);
      const from = this.tokens.findIndex((t, index) => index > open && index < close && isWord(t, 'FROM'));
      if (from === -1) throw new QueryTranslationError('EXTRACT needs (part FROM value)');
      if (this.tokens.slice(from, close).some((t) => isWord(t, 'AT'))) {
        throw new QueryTranslationError('EXTRACT … AT TIME ZONE is not supported by the BigQuery emulator');
      }
      const part = this.tokens.slice(open + 1, from).filter(isCode);
      return { sql: translateExtract(part, this.range(from + 1, close).trim()), next: close + 1 };
    }
    if (isCall && upper === 'ARRAY_AGG') {
      const close = this.closing(open, end);
      return { sql: this.arrayAgg(open + 1, close), next: close + 1 };
    }
    if (isCall && upper === 'STRING_AGG') {
      const close = this.closing(open, end);
      return { sql: this.stringAgg(open + 1, close), next: close + 1 };
    }
    if (isCall && this.tokens[i - 1]?.text !== '.' && hasCallTranslation(upper)) {
      const close = this.closing(open, end);
      const ranges = this.args(open + 1, close);
      const tokens = ranges.map(([from, to]) => this.tokens.slice(from, to).filter(isCode));
      const none = ranges.length === 1 && tokens[0]?.length === 0;
      const translated = translateCall(upper, {
        sql: none ? [] : ranges.map(([from, to]) => this.range(from, to).trim()),
        tokens: none ? [] : tokens,
      });
      return { sql: translated ?? token.text, next: translated === undefined ? i + 1 : close + 1 };
    }
    if (isCall && (upper === 'PARSE_TIMESTAMP' || upper === 'PARSE_DATETIME' || upper === 'PARSE_DATE')) {
      const close = this.closing(open, end);
      return { sql: this.parseTime(upper, open + 1, close), next: close + 1 };
    }
    if (this.tokens[i + 1]?.text === '.' && this.tokens[i + 2]?.kind === 'quoted') return this.path(i);
    return { sql: token.text, next: i + 1 };
  }

  /** Index of the `)` matching the `(` at `open`. */
  private closing(open: number, end: number): number {
    let depth = 0;
    for (let i = open; i < end; i += 1) {
      const text = (this.tokens[i] as Token).text;
      if (text === '(') depth += 1;
      if (text === ')') depth -= 1;
      if (depth === 0) return i;
    }
    throw new QueryTranslationError('Unbalanced parentheses');
  }

  /** Top-level comma-separated arguments of a call, as token ranges. */
  private args(start: number, close: number): [number, number][] {
    const ranges: [number, number][] = [];
    let depth = 0;
    let from = start;
    for (let i = start; i < close; i += 1) {
      const text = (this.tokens[i] as Token).text;
      if (text === '(') depth += 1;
      if (text === ')') depth -= 1;
      if (text === ',' && depth === 0) {
        ranges.push([from, i]);
        from = i + 1;
      }
    }
    ranges.push([from, close]);
    return ranges;
  }

  /** ARRAY_AGG(x [ORDER BY …] LIMIT n): DuckDB's aggregate has no LIMIT, so the list is sliced. */
  private arrayAgg(start: number, close: number): string {
    let depth = 0;
    for (let i = start; i < close; i += 1) {
      const text = (this.tokens[i] as Token).text;
      if (text === '(') depth += 1;
      if (text === ')') depth -= 1;
      if (depth === 0 && isWord(this.tokens[i], 'LIMIT')) {
        return `list_slice(array_agg(${this.range(start, i).trim()}), 1, ${this.range(i + 1, close).trim()})`;
      }
    }
    return `array_agg(${this.range(start, close)})`;
  }

  /** Index of the first word `word` at parenthesis depth 0 in [start, close), or -1. */
  private topLevelWord(start: number, close: number, word: string): number {
    let depth = 0;
    for (let i = start; i < close; i += 1) {
      const text = (this.tokens[i] as Token).text;
      if (text === '(') depth += 1;
      if (text === ')') depth -= 1;
      if (depth === 0 && isWord(this.tokens[i], word)) return i;
    }
    return -1;
  }

  /**
   * STRING_AGG([DISTINCT] x [, delimiter] [ORDER BY …] [LIMIT n]): DuckDB's string_agg has all but
   * LIMIT; with LIMIT the non-NULL values are gathered in order, cut to n and joined, NULL when none.
   */
  private stringAgg(start: number, close: number): string {
    const limit = this.topLevelWord(start, close, 'LIMIT');
    if (limit === -1) return `string_agg(${this.range(start, close)})`;
    const order = this.topLevelWord(start, limit, 'ORDER');
    const head = this.args(start, order === -1 ? limit : order);
    const [valueRange, delimiterRange] = head as [[number, number], [number, number] | undefined];
    const value = this.range(...valueRange).trim();
    const plain = value.replace(/^DISTINCT\s+/i, '');
    const delimiter = delimiterRange ? this.range(...delimiterRange).trim() : "','";
    const ordering = order === -1 ? '' : ` ${this.range(order, limit).trim()}`;
    const count = this.range(limit + 1, close).trim();
    return `CASE WHEN count(${plain}) > 0 THEN array_to_string(list_slice(array_agg(${value}${ordering}) FILTER (WHERE ${plain} IS NOT NULL), 1, ${count}), ${delimiter}) END`;
  }

  private castBody(safe: boolean, start: number, close: number): string {
    let depth = 0;
    for (let i = start; i < close; i += 1) {
      const text = (this.tokens[i] as Token).text;
      if (text === '(') depth += 1;
      if (text === ')') depth -= 1;
      if (depth === 0 && isWord(this.tokens[i], 'AS')) {
        const typeIndex = this.nextCode(i + 1);
        const typeName = (this.tokens[typeIndex] as Token).text;
        const paramsOpen = this.nextCode(typeIndex + 1);
        const hasParams = paramsOpen < close && this.tokens[paramsOpen]?.text === '(';
        const value = this.range(start, i).trim();
        const upperType = typeName.toUpperCase();
        if (!hasParams && castMacros[upperType] !== undefined) {
          // INT64 rounds half away from zero and rejects "1.5"; NUMERIC prints without trailing zeros.
          return `${macroSchema}.${safe && upperType !== 'STRING' ? 'safe_' : ''}${castMacros[upperType]}(${value})`;
        }
        const type = hasParams
          ? `DECIMAL${this.tokens
              .slice(paramsOpen, close)
              .map((token) => token.text)
              .join('')}`
          : castType(typeName);
        return `${safe ? 'TRY_CAST' : 'CAST'}(${value} AS ${type})`;
      }
    }
    throw new QueryTranslationError('CAST without AS <type>');
  }

  private parseTime(fn: string, start: number, close: number): string {
    const args = this.args(start, close);
    if (args.length !== 2)
      throw new QueryTranslationError(
        `${fn} with a time zone argument is not supported by the BigQuery emulator`,
      );
    const [formatRange, valueRange] = args as [[number, number], [number, number]];
    const formatTokens = this.tokens.slice(...formatRange).filter(isCode);
    const format = formatTokens[0];
    if (formatTokens.length !== 1 || format?.kind !== 'string') {
      throw new QueryTranslationError(`${fn} needs a string literal as its format in the BigQuery emulator`);
    }
    const parsed = `strptime(${this.range(...valueRange).trim()}, ${quoteString(strptimeFormat(format.value ?? ''))})`;
    if (fn === 'PARSE_TIMESTAMP') return `CAST(${parsed} AS TIMESTAMPTZ)`;
    return fn === 'PARSE_DATE' ? `CAST(${parsed} AS DATE)` : parsed;
  }

  /** A dotted name that contains a backtick part, e.g. `p.ds.t`, `ds`.t or `p`.ds.`t`. */
  private path(i: number): { sql: string; next: number } {
    const { parts, next } = this.parts(i);
    const names = parts.length === 3 ? parts.slice(1) : parts;
    return { sql: names.map(quoteIdent).join('.'), next };
  }

  private parts(i: number): { parts: string[]; next: number } {
    const parts: string[] = [];
    let at = i;
    for (;;) {
      const token = this.tokens[at] as Token;
      parts.push(...(token.kind === 'quoted' ? (token.value ?? '').split('.') : [token.text]));
      const dot = this.tokens[at + 1];
      const after = this.tokens[at + 2];
      if (dot?.text !== '.' || (after?.kind !== 'quoted' && after?.kind !== 'word'))
        return { parts, next: at + 1 };
      at += 2;
    }
  }

  /** The dataset and table a CREATE/DROP VIEW names. */
  objectName(i: number): { name: ObjectName; next: number } {
    const token = this.tokens[i];
    if (token?.kind !== 'quoted' && token?.kind !== 'word')
      throw new QueryTranslationError('Expected a view name');
    const { parts, next } = this.parts(i);
    const names = parts.length === 3 ? parts.slice(1) : parts;
    if (names.length === 2)
      return { name: { datasetId: names[0] as string, tableId: names[1] as string }, next };
    if (names.length === 1 && this.context.defaultDatasetId !== undefined) {
      return { name: { datasetId: this.context.defaultDatasetId, tableId: names[0] as string }, next };
    }
    throw new QueryTranslationError(
      `Table name "${parts.join('.')}" missing dataset while no default dataset is set in the request.`,
    );
  }
}
