import type { BigQuery } from '@google-cloud/bigquery';
import { SOURCE_CHANGED_AT_COLUMN, TIMESTAMP_COLUMN } from '../../lambdas/shared/columns.js';
import { currentViewName } from '../../lambdas/shared/mappings/bigquery-names.js';
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
  matches: boolean;
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
  result.matches =
    result.missing === 0 &&
    result.unexpected === 0 &&
    result.different === 0 &&
    result.staleSourceChangedAt === 0 &&
    rows.length === expected.rowCount;
  return result;
}
