import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { canonicalOf, type JsonValue } from './canonical.js';
import type { TableCounters } from './source-stream.js';
import type { TableState } from './table-state.js';

/**
 * What an end-to-end test compares the warehouse with: per table, the rows that exist at the end
 * (the `_current` view's content) in canonical JSON form (canonical.ts), sorted by primary key,
 * and how many changes of each kind DMS would report (DescribeTableStatistics: Inserts, Updates,
 * Deletes, FullLoadRows).
 */
export interface GroundTruthTable {
  source: string;
  schema: string;
  table: string;
  dataset: string;
  targetTable: string;
  primaryKey: string[];
  /** Columns of the current rows, in file order (the added column last when it was added). */
  columns: { name: string; type: string; nullable: boolean }[];
  counts: { I: number; U: number; D: number; fullLoadRows: number };
  /** Number of current rows (also set when `currentRows` was left out). */
  rowCount: number;
  currentRows: Record<string, JsonValue>[];
  /** How often the tricky cases occurred, so tests can check they were exercised. */
  scenarios: { reinserts: number; keysChangedMoreThanOnceInOneFile: number; addedColumn: string | null };
  /**
   * The table's latest completed full load or reload, as DMS's table statistics report it
   * (FullLoadStartTime, FullLoadEndTime); only the day-by-day simulator knows it.
   */
  load?: { startedAt: string; endedAt: string; reloaded: boolean };
}

export interface GroundTruth {
  run: {
    seed: number;
    start: string;
    minutes: number;
    changesPerMinute: number;
    parquetVersion: 1 | 2;
    gzip: boolean;
  };
  tables: Record<string, GroundTruthTable>;
}

export function tableTruth(
  state: TableState,
  counters: TableCounters,
  fullLoadRows: number,
  altered: boolean,
  includeRows: boolean,
): GroundTruthTable {
  const { shape } = state;
  const columns = shape.columns.map(({ name, type, nullable }) => ({ name, type: type.mysql, nullable }));
  if (altered)
    columns.push({ name: shape.addedColumn.name, type: shape.addedColumn.type.mysql, nullable: true });
  const currentRows: Record<string, JsonValue>[] = [];
  if (includeRows) {
    // Key numbers grow in primary-key order (table-state.ts), so this loop yields rows sorted by key.
    for (let key = 0; key < state.nextKey; key++) {
      if (!state.isLive(key)) continue;
      const version = state.version[key] ?? 0;
      const base = state.base[key] ?? 0;
      const row: Record<string, JsonValue> = {};
      shape.columns.forEach((column, index) => {
        row[column.name] = canonicalOf(column.type, state.value(column, index, key, version, base));
      });
      if (altered)
        row[shape.addedColumn.name] = canonicalOf(
          shape.addedColumn.type,
          state.addedValue(key, version, base),
        );
      currentRows.push(row);
    }
    // A hashed key column orders by its hash, no longer by key number.
    if (shape.columns.some((column) => column.hashed && column.keyIndex >= 0))
      currentRows.sort(byKey(shape.primaryKey));
  }
  return {
    source: shape.source,
    schema: shape.schema,
    table: shape.table,
    dataset: shape.dataset,
    targetTable: shape.targetTable,
    primaryKey: shape.primaryKey,
    columns,
    counts: { I: counters.I, U: counters.U, D: counters.D, fullLoadRows },
    rowCount: state.liveCount,
    currentRows,
    scenarios: {
      reinserts: counters.reinserts,
      keysChangedMoreThanOnceInOneFile: counters.keysChangedMoreThanOnceInOneFile,
      addedColumn: altered ? shape.addedColumn.name : null,
    },
  };
}

const byKey =
  (primaryKey: string[]) =>
  (a: Record<string, JsonValue>, b: Record<string, JsonValue>): number => {
    for (const name of primaryKey) {
      const [x, y] = [a[name], b[name]];
      if (x === y) continue;
      if (typeof x === 'number' && typeof y === 'number') return x - y;
      return String(x) < String(y) ? -1 : 1;
    }
    return 0;
  };

/** Writes the truth as JSON, one current row per line, without building one huge string. */
export async function writeGroundTruth(path: string, truth: GroundTruth): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`{"run":${JSON.stringify(truth.run)},"tables":{`);
  let first = true;
  for (const [route, table] of Object.entries(truth.tables)) {
    const { currentRows, ...rest } = table;
    const head = JSON.stringify(rest);
    await write(`${first ? '' : ','}\n${JSON.stringify(route)}:${head.slice(0, -1)},"currentRows":[`);
    for (let i = 0; i < currentRows.length; i++)
      await write(`${i ? ',' : ''}\n${JSON.stringify(currentRows[i])}`);
    await write(']}');
    first = false;
  }
  await write('\n}}\n');
  out.end();
  await once(out, 'finish');
}
