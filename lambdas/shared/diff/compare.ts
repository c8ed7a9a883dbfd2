import { sameValue } from './canonical.js';
import type { DiffTable, KeyColumn } from './columns.js';
import { type Key, type KeyRange, rowHashQuery, rowsQuery, splitQuery, summaryQuery } from './queries.js';
import type { DiffSide } from './side.js';

export interface DiffOptions {
  table: DiffTable;
  source: DiffSide;
  bigquery: DiffSide;
  /** Parts a differing range is cut into per level. */
  fanout?: number;
  /** A differing range with at most this many rows on each side is compared row by row. */
  leafRows?: number;
  /** More differing ranges than this at one level: the copy is too far off to list (DiffTooLargeError). */
  maxRanges?: number;
}

export interface ChangedKey {
  key: Key;
  /** The source columns whose values differ. */
  columns: string[];
}

export interface DiffResult {
  /** In the source, not in `_current`. */
  missing: Key[];
  /** In `_current`, not in the source. */
  extra: Key[];
  changed: ChangedKey[];
  /** Checksum levels run: 1 when the tables are equal. */
  levels: number;
}

export const DEFAULT_FANOUT = 16;
export const DEFAULT_LEAF_ROWS = 256;
export const DEFAULT_MAX_RANGES = 4096;
/** Ranges or keys per row-level query: keeps the SQL text far below both sides' statement limits. */
const PER_QUERY = 200;

/** So many ranges differ that listing the keys would copy the table: reload it instead. */
export class DiffTooLargeError extends Error {
  override name = 'DiffTooLargeError';
}

interface Summary {
  n: number;
  x: string;
}

/**
 * Compares `_current` with the source table: COUNT and XOR of row hashes per key range on each
 * side, then only the ranges that differ are cut into `fanout` parts (at key quantiles of the side
 * with more rows there) and compared again, until a range holds at most `leafRows` rows; those
 * ranges' keys and row hashes are compared, and the rows whose hash differs are fetched to name the
 * differing columns. Equal tables cost one aggregate query per side.
 */
export async function diffTable(options: DiffOptions): Promise<DiffResult> {
  const { table, source, bigquery } = options;
  const fanout = options.fanout ?? DEFAULT_FANOUT;
  const leafRows = options.leafRows ?? DEFAULT_LEAF_ROWS;
  const maxRanges = options.maxRanges ?? DEFAULT_MAX_RANGES;
  let ranges: KeyRange[] = [{}];
  const leaves: KeyRange[] = [];
  let levels = 0;
  while (ranges.length > 0) {
    if (ranges.length > maxRanges) {
      throw new DiffTooLargeError(
        `${ranges.length} key ranges of ${table.schema}.${table.table} differ at level ${levels + 1} (limit ${maxRanges}): the copy is too far from the source to list key by key`,
      );
    }
    levels++;
    const [sourceSums, bigquerySums] = await Promise.all([
      summaries(source, table, ranges),
      summaries(bigquery, table, ranges),
    ]);
    const bigger: { side: DiffSide; range: KeyRange; rows: number }[] = [];
    ranges.forEach((range, index) => {
      const a = sourceSums[index] as Summary;
      const b = bigquerySums[index] as Summary;
      if (a.n === b.n && a.x === b.x) return;
      if (Math.max(a.n, b.n) <= leafRows) leaves.push(range);
      else bigger.push({ side: a.n >= b.n ? source : bigquery, range, rows: Math.max(a.n, b.n) });
    });
    ranges = [];
    for (const side of [source, bigquery]) {
      const mine = bigger.filter((entry) => entry.side === side);
      if (mine.length > 0) ranges.push(...(await split(side, table, mine, fanout)));
    }
  }
  return { ...(await compareLeaves(options, leaves)), levels };
}

async function summaries(side: DiffSide, table: DiffTable, ranges: KeyRange[]): Promise<Summary[]> {
  const rows = await side.query(summaryQuery(side.dialect, table, ranges));
  const result: Summary[] = ranges.map(() => ({ n: 0, x: '0' }));
  for (const row of rows) result[Number(row.bucket)] = { n: Number(row.n), x: String(row.x ?? '0') };
  return result;
}

async function split(
  side: DiffSide,
  table: DiffTable,
  entries: { range: KeyRange; rows: number }[],
  fanout: number,
): Promise<KeyRange[]> {
  const ranges = entries.map((entry) => entry.range);
  const steps = entries.map((entry) => Math.ceil(entry.rows / fanout));
  const rows = await side.query(splitQuery(side.dialect, table, ranges, steps));
  const points: Key[][] = ranges.map(() => []);
  for (const row of rows) points[Number(row.bucket)]?.push(keyOf(row, table.keys));
  return ranges.flatMap((range, index) => {
    const cuts = points[index] ?? [];
    const bounds = [range.lo, ...cuts, range.hi];
    return cuts.length === 0
      ? [range]
      : bounds.slice(1).map((hi, i) => ({ ...(bounds[i] ? { lo: bounds[i] } : {}), ...(hi ? { hi } : {}) }));
  });
}

async function compareLeaves(options: DiffOptions, leaves: KeyRange[]): Promise<Omit<DiffResult, 'levels'>> {
  const { table, source, bigquery } = options;
  if (leaves.length === 0) return { missing: [], extra: [], changed: [] };
  const [sourceHashes, bigqueryHashes] = await Promise.all([
    rowHashes(source, table, leaves),
    rowHashes(bigquery, table, leaves),
  ]);
  const missing: Key[] = [];
  const extra: Key[] = [];
  const candidates: Key[] = [];
  for (const [id, entry] of sourceHashes) {
    const other = bigqueryHashes.get(id);
    if (other === undefined) missing.push(entry.key);
    else if (other.hash !== entry.hash) candidates.push(entry.key);
  }
  for (const [id, entry] of bigqueryHashes) if (!sourceHashes.has(id)) extra.push(entry.key);
  const changed = await changedColumns(options, candidates);
  const order = compareKeys(table.keys);
  return {
    missing: missing.sort(order),
    extra: extra.sort(order),
    changed: changed.sort((a, b) => order(a.key, b.key)),
  };
}

async function rowHashes(
  side: DiffSide,
  table: DiffTable,
  ranges: KeyRange[],
): Promise<Map<string, { key: Key; hash: string }>> {
  const result = new Map<string, { key: Key; hash: string }>();
  for (let start = 0; start < ranges.length; start += PER_QUERY) {
    const rows = await side.query(rowHashQuery(side.dialect, table, ranges.slice(start, start + PER_QUERY)));
    for (const row of rows) {
      const key = keyOf(row, table.keys);
      result.set(JSON.stringify(key), { key, hash: String(row.h) });
    }
  }
  return result;
}

async function changedColumns(options: DiffOptions, keys: Key[]): Promise<ChangedKey[]> {
  const { table, source, bigquery } = options;
  const changed: ChangedKey[] = [];
  for (let start = 0; start < keys.length; start += PER_QUERY) {
    const batch = keys.slice(start, start + PER_QUERY);
    const [sourceRows, bigqueryRows] = await Promise.all([
      canonicalRows(source, table, batch),
      canonicalRows(bigquery, table, batch),
    ]);
    for (const key of batch) {
      const a = sourceRows.get(JSON.stringify(key));
      const b = bigqueryRows.get(JSON.stringify(key));
      if (!a || !b) continue;
      const columns = table.columns
        .filter((column, index) => !sameValue(column, a[index] ?? null, b[index] ?? null))
        .map((column) => column.name);
      if (columns.length > 0) changed.push({ key, columns });
    }
  }
  return changed;
}

async function canonicalRows(
  side: DiffSide,
  table: DiffTable,
  keys: Key[],
): Promise<Map<string, (string | null)[]>> {
  const rows = await side.query(rowsQuery(side.dialect, table, keys));
  return new Map(
    rows.map((row) => [
      JSON.stringify(keyOf(row, table.keys)),
      table.columns.map((_, index) => {
        const value = row[`c${index}`];
        return value === null || value === undefined ? null : String(value);
      }),
    ]),
  );
}

const keyOf = (row: Record<string, unknown>, keys: KeyColumn[]): Key =>
  keys.map((_, index) => String(row[`k${index}`]));

/** The order keys are printed in: integers by value, strings by UTF-16 code unit, column by column. */
export function compareKeys(keys: KeyColumn[]): (a: Key, b: Key) => number {
  return (a, b) => {
    for (const [index, key] of keys.entries()) {
      const x = a[index] ?? '';
      const y = b[index] ?? '';
      if (x === y) continue;
      if (key.kind === 'int') return BigInt(x) < BigInt(y) ? -1 : 1;
      return x < y ? -1 : 1;
    }
    return 0;
  };
}
