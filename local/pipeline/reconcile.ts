import type { BigQuery } from '@google-cloud/bigquery';
import { SOURCE_CHANGED_AT_COLUMN, TIMESTAMP_COLUMN } from '../../lambdas/shared/columns.js';
import { currentViewName, historyViewName } from '../../lambdas/shared/mappings/bigquery-names.js';
import {
  canonicalValue,
  type GroundTruth,
  type GroundTruthTable,
  type JsonValue,
  type ReaderValue,
} from '../simulator/index.js';
import { plainBigQueryValue } from './bigquery-values.js';

/** What `<table>_current` is in BigQuery: a view over the changelog, or a CDC table. */
export type CurrentKind = 'view' | 'table';

export interface TableReconciliation {
  /** `<dataset>.<target table>`. */
  table: string;
  /** The loader's name for it: `<source>.<target table>`. */
  loaderTable: string;
  kind: CurrentKind;
  expectedRows: number;
  actualRows: number;
  missing: number;
  unexpected: number;
  different: number;
  /** Rows whose `_source_changed_at` is not the commit time of their key's latest change in the changelog. */
  staleSourceChangedAt: number;
  /** A few concrete differences, for the first look. */
  examples: string[];
  /** `<table>_history`, when the table has one: its versions, and how its open versions differ from the truth. */
  history?: HistoryReconciliation;
  matches: boolean;
}

export interface HistoryReconciliation {
  versions: number;
  openVersions: number;
  /** Live keys without an open version, open versions of keys not live, and second open versions of a key. */
  openMismatches: number;
}

type Row = Record<string, unknown>;

const plainText = (value: unknown): string | null => {
  const plain = plainBigQueryValue(value);
  return plain === null ? null : String(plain);
};

/**
 * Compares every `<table>_current`, view or CDC table alike, with the simulator's ground truth,
 * value for value in the ground truth's canonical form. The expected state is what the source
 * database holds at the end. Both kinds must also carry `_source_changed_at`, the commit time of the
 * key's latest change, which the changelog's newest `_dms_timestamp` per key gives independently.
 */
export async function reconcile(
  bigquery: BigQuery,
  projectId: string,
  truth: GroundTruth,
): Promise<TableReconciliation[]> {
  const results: TableReconciliation[] = [];
  for (const expected of Object.values(truth.tables)) {
    results.push(await reconcileTable(bigquery, projectId, expected));
  }
  return results;
}

async function reconcileTable(
  bigquery: BigQuery,
  projectId: string,
  expected: GroundTruthTable,
): Promise<TableReconciliation> {
  const name = currentViewName(expected.targetTable);
  const [metadata] = await bigquery.dataset(expected.dataset).table(name).getMetadata();
  const kind: CurrentKind = (metadata as { type?: string }).type === 'VIEW' ? 'view' : 'table';
  const query = async (sql: string) => (await bigquery.query({ query: sql, wrapIntegers: true }))[0] as Row[];
  const rows = await query(`SELECT * FROM \`${projectId}.${expected.dataset}.${name}\``);
  const keyColumns = expected.primaryKey.map((k) => expected.columns.find((c) => c.name === k));
  /** A BigQuery row's key in the truth's canonical form. */
  const keyOf = (row: Row) =>
    JSON.stringify(
      keyColumns.map((column) =>
        column ? canonicalValue(column.type, plainBigQueryValue(row[column.name]) as ReaderValue) : null,
      ),
    );
  const latestChange = new Map<string, string | null>();
  const keyList = expected.primaryKey.map((k) => `\`${k}\``).join(', ');
  for (const row of await query(
    `SELECT ${keyList}, TIMESTAMP(MAX(${TIMESTAMP_COLUMN})) AS changed_at FROM \`${projectId}.${expected.dataset}.${expected.targetTable}\` GROUP BY ${keyList}`,
  )) {
    latestChange.set(keyOf(row), plainText(row.changed_at));
  }
  const actual = new Map<string, Record<string, JsonValue>>();
  const result: TableReconciliation = {
    table: `${expected.dataset}.${expected.targetTable}`,
    loaderTable: `${expected.source}.${expected.targetTable}`,
    kind,
    expectedRows: expected.rowCount,
    actualRows: rows.length,
    missing: 0,
    unexpected: 0,
    different: 0,
    staleSourceChangedAt: 0,
    examples: [],
    matches: false,
  };
  const note = (text: string) => {
    if (result.examples.length < 3) result.examples.push(text);
  };
  for (const row of rows) {
    const canonical: Record<string, JsonValue> = {};
    for (const column of expected.columns) {
      canonical[column.name] = canonicalValue(
        column.type,
        plainBigQueryValue(row[column.name]) as ReaderValue,
      );
    }
    const key = keyOf(row);
    actual.set(key, canonical);
    const changedAt = plainText(row[SOURCE_CHANGED_AT_COLUMN]);
    if (changedAt === null || changedAt !== latestChange.get(key)) {
      result.staleSourceChangedAt++;
      note(`key ${key}: ${SOURCE_CHANGED_AT_COLUMN} ${changedAt}, latest change ${latestChange.get(key)}`);
    }
  }
  const seen = new Set<string>();
  for (const row of expected.currentRows) {
    const key = JSON.stringify(expected.primaryKey.map((k) => row[k]));
    seen.add(key);
    const found = actual.get(key);
    if (!found) {
      result.missing++;
      note(`missing key ${key}`);
    } else if (JSON.stringify(found) !== JSON.stringify(row)) {
      result.different++;
      note(`key ${key}: expected ${JSON.stringify(row)}, found ${JSON.stringify(found)}`);
    }
  }
  for (const key of actual.keys()) {
    if (!seen.has(key)) {
      result.unexpected++;
      note(`unexpected key ${key}`);
    }
  }
  const expectedKeys = new Set(
    expected.currentRows.map((row) => JSON.stringify(expected.primaryKey.map((k) => row[k]))),
  );
  const [hasHistory] = await bigquery
    .dataset(expected.dataset)
    .table(historyViewName(expected.targetTable))
    .exists();
  if (hasHistory)
    result.history = await reconcileHistory(query, projectId, expected, keyOf, expectedKeys, note);
  result.matches =
    (result.history?.openMismatches ?? 0) === 0 &&
    result.missing === 0 &&
    result.unexpected === 0 &&
    result.different === 0 &&
    result.staleSourceChangedAt === 0 &&
    rows.length === expected.rowCount;
  return result;
}

/**
 * `<table>_history` against the same truth: exactly one open version (`_valid_to IS NULL`) per live
 * key and none for any other key.
 */
async function reconcileHistory(
  query: (sql: string) => Promise<Row[]>,
  projectId: string,
  expected: GroundTruthTable,
  keyOf: (row: Row) => string,
  expectedKeys: Set<string>,
  note: (text: string) => void,
): Promise<HistoryReconciliation> {
  const name = `\`${projectId}.${expected.dataset}.${historyViewName(expected.targetTable)}\``;
  const keyList = expected.primaryKey.map((k) => `\`${k}\``).join(', ');
  const rows = await query(`SELECT ${keyList}, _valid_to IS NULL AS open FROM ${name}`);
  const open = rows.filter((row) => row.open === true).map(keyOf);
  const seen = new Set<string>();
  let openMismatches = 0;
  for (const key of open) {
    if (seen.has(key) || !expectedKeys.has(key)) {
      openMismatches++;
      note(
        `_history: key ${key} has ${seen.has(key) ? 'a second' : 'an'} open version but ${seen.has(key) ? 'one is expected' : 'is not live'}`,
      );
    }
    seen.add(key);
  }
  for (const key of expectedKeys) {
    if (!seen.has(key)) {
      openMismatches++;
      note(`_history: live key ${key} has no open version`);
    }
  }
  return { versions: rows.length, openVersions: open.length, openMismatches };
}
