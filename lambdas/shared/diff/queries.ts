import type { DiffTable, KeyColumn } from './columns.js';
import type { Dialect } from './dialect.js';

/** A key as the texts of its columns, in key order. */
export type Key = string[];

/** The keys `lo ≤ key < hi` in key-tuple order; an absent bound is open. */
export interface KeyRange {
  lo?: Key;
  hi?: Key;
}

/** `(k1, …, kn) op (v1, …, vn)` spelt out: GoogleSQL has no row comparison. */
function tupleCompare(dialect: Dialect, keys: KeyColumn[], values: Key, op: '>=' | '<'): string {
  const strict = op === '>=' ? '>' : '<';
  const terms = keys.map((key, index) => {
    const equal = keys
      .slice(0, index)
      .map((k, i) => `${dialect.keyRef(k)} = ${dialect.literal(k, values[i] ?? '')}`);
    const last = index === keys.length - 1 ? op : strict;
    return [...equal, `${dialect.keyRef(key)} ${last} ${dialect.literal(key, values[index] ?? '')}`].join(
      ' AND ',
    );
  });
  return terms.length === 1 ? (terms[0] ?? 'TRUE') : terms.map((term) => `(${term})`).join(' OR ');
}

export function inRange(dialect: Dialect, keys: KeyColumn[], range: KeyRange): string {
  const parts = [
    ...(range.lo ? [tupleCompare(dialect, keys, range.lo, '>=')] : []),
    ...(range.hi ? [tupleCompare(dialect, keys, range.hi, '<')] : []),
  ];
  return parts.length === 0 ? '1 = 1' : parts.map((part) => `(${part})`).join(' AND ');
}

const bucketCase = (dialect: Dialect, keys: KeyColumn[], ranges: KeyRange[]): string =>
  `CASE ${ranges.map((range, index) => `WHEN ${inRange(dialect, keys, range)} THEN ${index}`).join(' ')} END`;

const anyRange = (dialect: Dialect, keys: KeyColumn[], ranges: KeyRange[]): string =>
  ranges.some((range) => !range.lo && !range.hi)
    ? '1 = 1'
    : ranges.map((range) => `(${inRange(dialect, keys, range)})`).join(' OR ');

/**
 * The row's canonical text: every compared column as `<length>:<text>`, or `~` for NULL, joined
 * with `|`. The length prefix keeps `a|b` + `c` apart from `a` + `b|c`, and NULL apart from ''.
 */
export function rowText(dialect: Dialect, table: DiffTable): string {
  const parts = table.columns.map((column) => {
    const value = dialect.canonical(column);
    return `COALESCE(CONCAT(${dialect.lengthText(value)}, ':', ${value}), '~')`;
  });
  return `CONCAT(${parts.flatMap((part, index) => (index === 0 ? [part] : ["'|'", part])).join(', ')})`;
}

const keyTexts = (dialect: Dialect, table: DiffTable): string =>
  table.keys.map((key, index) => `${dialect.keyText(key)} AS k${index}`).join(', ');

/** COUNT and the XOR of the rows' 60-bit hashes, per range: `bucket, n, x`. */
export function summaryQuery(dialect: Dialect, table: DiffTable, ranges: KeyRange[]): string {
  return [
    // The MD5 is computed once per row in the inner query; the outer one only parses its hex.
    `SELECT bucket, COUNT(*) AS n, ${dialect.xorText(dialect.hash60('h'))} AS x FROM (`,
    `  SELECT ${bucketCase(dialect, table.keys, ranges)} AS bucket, ${dialect.md5Hex(rowText(dialect, table))} AS h`,
    `  FROM ${dialect.from(table)} WHERE ${anyRange(dialect, table.keys, ranges)}`,
    ') AS s WHERE bucket IS NOT NULL GROUP BY bucket',
  ].join('\n');
}

/**
 * Every `steps[i]`-th key of range i (after its first), in key order: the points that cut it into
 * parts of `steps[i]` rows. `bucket, rn, k0 … kn`.
 */
export function splitQuery(dialect: Dialect, table: DiffTable, ranges: KeyRange[], steps: number[]): string {
  const order = table.keys.map((_, index) => `o${index}`).join(', ');
  const outputs = table.keys.map((_, index) => `k${index}`).join(', ');
  const step = `CASE bucket ${steps.map((value, index) => `WHEN ${index} THEN ${value}`).join(' ')} END`;
  return [
    `SELECT bucket, rn, ${outputs} FROM (`,
    `  SELECT bucket, ${outputs}, ROW_NUMBER() OVER (PARTITION BY bucket ORDER BY ${order}) AS rn FROM (`,
    `    SELECT ${bucketCase(dialect, table.keys, ranges)} AS bucket, ${table.keys.map((key, index) => `${dialect.keyRef(key)} AS o${index}`).join(', ')}, ${keyTexts(dialect, table)}`,
    `    FROM ${dialect.from(table)} WHERE ${anyRange(dialect, table.keys, ranges)}`,
    '  ) AS s WHERE bucket IS NOT NULL',
    `) AS r WHERE rn > 1 AND MOD(rn - 1, ${step}) = 0 ORDER BY bucket, rn`,
  ].join('\n');
}

/** Each row of the ranges as its key and the MD5 of its canonical text: `k0 … kn, h`. */
export function rowHashQuery(dialect: Dialect, table: DiffTable, ranges: KeyRange[]): string {
  return [
    `SELECT ${keyTexts(dialect, table)}, ${dialect.md5Hex(rowText(dialect, table))} AS h`,
    `FROM ${dialect.from(table)} WHERE ${anyRange(dialect, table.keys, ranges)}`,
  ].join('\n');
}

/** The canonical values of the given keys' rows: `k0 … kn, c0 … cm`. */
export function rowsQuery(dialect: Dialect, table: DiffTable, keys: Key[]): string {
  const values = table.columns.map((column, index) => `${dialect.canonical(column)} AS c${index}`).join(', ');
  const match = keys
    .map(
      (key) =>
        `(${table.keys.map((column, index) => `${dialect.keyRef(column)} = ${dialect.literal(column, key[index] ?? '')}`).join(' AND ')})`,
    )
    .join(' OR ');
  return `SELECT ${keyTexts(dialect, table)}, ${values}\nFROM ${dialect.from(table)} WHERE ${match}`;
}
