import { bigqueryCanonical, mysqlCanonical } from './canonical.js';
import type { DiffColumn, DiffTable, KeyColumn } from './columns.js';

/** What differs between the two SQL dialects the diff speaks; the queries themselves are shared. */
export interface Dialect {
  /** The FROM target. */
  from(table: DiffTable): string;
  /** A key column as it is compared and ordered (byte order for strings on both sides). */
  keyRef(key: KeyColumn): string;
  /** A key column as text. */
  keyText(key: KeyColumn): string;
  /** A key value (its text) as a literal of the key's type. */
  literal(key: KeyColumn, text: string): string;
  canonical(column: DiffColumn): string;
  /** The character count of a text, as text. */
  lengthText(text: string): string;
  /** The first 60 bits of an MD5 in hex, as a non-negative integer (BIT_XOR adds them up). */
  hash60(md5Hex: string): string;
  /** The MD5 of a text in lower-case hex. */
  md5Hex(text: string): string;
  /** The XOR of the hashes; read back as text (BigQuery's INT64 and MySQL's BIGINT UNSIGNED both fit). */
  xorText(hash: string): string;
}

const backtick = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

export const bigqueryDialect: Dialect = {
  from: (table) => `\`${table.projectId}.${table.dataset}.${table.current}\``,
  keyRef: (key) => `\`${key.bigqueryName}\``,
  keyText: (key) =>
    key.kind === 'int' ? `CAST(\`${key.bigqueryName}\` AS STRING)` : `\`${key.bigqueryName}\``,
  literal: (key, text) => (key.kind === 'int' ? integerLiteral(text) : googleSqlString(text)),
  canonical: (column) => bigqueryCanonical(column, `\`${column.bigqueryName}\``),
  lengthText: (text) => `CAST(CHAR_LENGTH(${text}) AS STRING)`,
  hash60: (hex) => `CAST(CONCAT('0x', SUBSTR(${hex}, 1, 15)) AS INT64)`,
  md5Hex: (text) => `TO_HEX(MD5(${text}))`,
  // INT64, read as exact text by bigquery-side.ts (wrapIntegers): 60 bits exceed a JS number.
  xorText: (hash) => `BIT_XOR(${hash})`,
};

/** `quote` is the driver's (mysql2's `connection.escape`), which knows the connection's settings. */
export function mysqlDialect(quote: (value: string) => string): Dialect {
  return {
    from: (table) => `${backtick(table.schema)}.${backtick(table.table)}`,
    // A case-insensitive collation would order and compare 'a' and 'A' as one key; BigQuery orders bytes.
    keyRef: (key) =>
      key.kind === 'int'
        ? backtick(key.name)
        : `CONVERT(${backtick(key.name)} USING utf8mb4) COLLATE utf8mb4_bin`,
    keyText: (key) =>
      key.kind === 'int'
        ? `CAST(${backtick(key.name)} AS CHAR)`
        : `CONVERT(${backtick(key.name)} USING utf8mb4)`,
    literal: (key, text) => (key.kind === 'int' ? integerLiteral(text) : quote(text)),
    canonical: (column) => mysqlCanonical(column, backtick(column.name)),
    lengthText: (text) => `CAST(CHAR_LENGTH(${text}) AS CHAR)`,
    hash60: (hex) => `CAST(CONV(SUBSTR(${hex}, 1, 15), 16, 10) AS UNSIGNED)`,
    md5Hex: (text) => `MD5(${text})`,
    xorText: (hash) => `CAST(BIT_XOR(${hash}) AS CHAR)`,
  };
}

function integerLiteral(text: string): string {
  if (!/^-?\d+$/.test(text)) throw new Error(`key value "${text}" is not an integer`);
  return text;
}

/** A GoogleSQL quoted string: backslash escapes for the quote, the backslash and control characters. */
function googleSqlString(text: string): string {
  let escaped = '';
  for (const character of text) {
    const code = character.charCodeAt(0);
    if (character === '\\' || character === "'") escaped += `\\${character}`;
    else if (code < 0x20) escaped += `\\x${code.toString(16).padStart(2, '0')}`;
    else escaped += character;
  }
  return `'${escaped}'`;
}
