import type { BigQuery } from '@google-cloud/bigquery';
import { currentViewName } from '../../lambdas/shared/mappings/bigquery-names.js';
import { canonicalValue, type GroundTruth, type JsonValue, type ReaderValue } from '../simulator/index.js';
import { plainBigQueryValue } from './bigquery-values.js';

export interface TableReconciliation {
  /** `<dataset>.<target table>`. */
  table: string;
  /** The loader's name for it: `<source>.<target table>`. */
  loaderTable: string;
  expectedRows: number;
  actualRows: number;
  missing: number;
  unexpected: number;
  different: number;
  /** A few concrete differences, for the first look. */
  examples: string[];
  matches: boolean;
}

/**
 * Compares every `<table>_current` view with the simulator's ground truth, value for value in the
 * ground truth's canonical form. The expected state is what the source database holds at the end.
 */
export async function reconcile(
  bigquery: BigQuery,
  projectId: string,
  truth: GroundTruth,
): Promise<TableReconciliation[]> {
  const results: TableReconciliation[] = [];
  for (const expected of Object.values(truth.tables)) {
    const view = `${projectId}.${expected.dataset}.${currentViewName(expected.targetTable)}`;
    const [rows] = await bigquery.query({ query: `SELECT * FROM \`${view}\``, wrapIntegers: true });
    const keyOf = (row: Record<string, JsonValue>) => JSON.stringify(expected.primaryKey.map((k) => row[k]));
    const actual = new Map<string, Record<string, JsonValue>>();
    for (const row of rows as Record<string, unknown>[]) {
      const canonical: Record<string, JsonValue> = {};
      for (const column of expected.columns) {
        canonical[column.name] = canonicalValue(
          column.type,
          plainBigQueryValue(row[column.name]) as ReaderValue,
        );
      }
      actual.set(keyOf(canonical), canonical);
    }
    const result: TableReconciliation = {
      table: `${expected.dataset}.${expected.targetTable}`,
      loaderTable: `${expected.source}.${expected.targetTable}`,
      expectedRows: expected.rowCount,
      actualRows: rows.length,
      missing: 0,
      unexpected: 0,
      different: 0,
      examples: [],
      matches: false,
    };
    const note = (text: string) => {
      if (result.examples.length < 3) result.examples.push(text);
    };
    const seen = new Set<string>();
    for (const row of expected.currentRows) {
      const key = keyOf(row);
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
      rows.length === expected.rowCount;
    results.push(result);
  }
  return results;
}
