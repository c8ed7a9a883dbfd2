import type { BigQuery } from '@google-cloud/bigquery';
import type { RoutingTable } from '../../lambdas/shared/routing.js';
import { currentViewQuery } from '../../lambdas/shared/warehouse/views.js';
import { plainBigQueryValue } from '../../local/pipeline/bigquery-values.js';
import { reconcile } from '../../local/pipeline/reconcile.js';
import {
  canonicalValue,
  type GroundTruth,
  type GroundTruthTable,
  type JsonValue,
  type ReaderValue,
} from '../../local/simulator/index.js';

/** Job IDs of the soak's own queries start with this, so the day's billed bytes can leave them out. */
export const CHECK_JOB_PREFIX = 'soak_check_';

export interface TableCheck {
  /** `<dataset>.<table>`. */
  table: string;
  kind: 'view' | 'table';
  expectedRows: number;
  /** `_current` (view or CDC table) against the truth, by the pipeline's own reconciliation. */
  current: { rows: number; matches: boolean; examples: string[] };
  /** For a CDC-table route: the `_current` view's query over the changelog against the truth. */
  view?: { rows: number; missing: number; unexpected: number; different: number; examples: string[] };
}

type Row = Record<string, unknown>;

/**
 * Every `_current` against the simulator's truth, row for row through the production BigQuery
 * client; for a CDC-table route also the view query the `view` mode would serve, so the table equals
 * its view whenever both equal the truth.
 */
export async function checkDay(
  bigquery: BigQuery,
  projectId: string,
  routing: RoutingTable,
  truth: GroundTruth,
): Promise<TableCheck[]> {
  const reconciled = await reconcile(bigquery, projectId, truth);
  const checks: TableCheck[] = [];
  for (const expected of Object.values(truth.tables)) {
    const current = reconciled.find((r) => r.table === `${expected.dataset}.${expected.targetTable}`);
    if (!current)
      throw new Error(`reconcile returned nothing for ${expected.dataset}.${expected.targetTable}`);
    const check: TableCheck = {
      table: current.table,
      kind: current.kind,
      expectedRows: expected.rowCount,
      current: { rows: current.actualRows, matches: current.matches, examples: current.examples },
    };
    const route = routing[`${expected.source}/${expected.schema}/${expected.table}`];
    if (route?.current === 'table') {
      const [rows] = await bigquery.query({
        query: currentViewQuery(projectId, route),
        wrapIntegers: true,
        jobPrefix: CHECK_JOB_PREFIX,
      });
      check.view = compareRows(rows as Row[], expected);
    }
    checks.push(check);
  }
  return checks;
}

export const checkPassed = (check: TableCheck): boolean =>
  check.current.matches &&
  (check.view === undefined ||
    (check.view.missing === 0 && check.view.unexpected === 0 && check.view.different === 0));

/** Rows of a query against the truth's current rows, in the truth's canonical form. */
function compareRows(rows: Row[], expected: GroundTruthTable): NonNullable<TableCheck['view']> {
  const result = { rows: rows.length, missing: 0, unexpected: 0, different: 0, examples: [] as string[] };
  const note = (text: string) => {
    if (result.examples.length < 3) result.examples.push(text);
  };
  const keyOf = (row: Record<string, JsonValue>) => JSON.stringify(expected.primaryKey.map((k) => row[k]));
  const actual = new Map<string, Record<string, JsonValue>>();
  for (const row of rows) {
    const canonical: Record<string, JsonValue> = {};
    for (const column of expected.columns)
      canonical[column.name] = canonicalValue(
        column.type,
        plainBigQueryValue(row[column.name]) as ReaderValue,
      );
    actual.set(keyOf(canonical), canonical);
  }
  const seen = new Set<string>();
  for (const row of expected.currentRows) {
    const key = keyOf(row);
    seen.add(key);
    const found = actual.get(key);
    if (!found) {
      result.missing++;
      note(`view: missing key ${key}`);
    } else if (JSON.stringify(found) !== JSON.stringify(row)) {
      result.different++;
      note(`view: key ${key}: expected ${JSON.stringify(row)}, found ${JSON.stringify(found)}`);
    }
  }
  for (const key of actual.keys()) {
    if (!seen.has(key)) {
      result.unexpected++;
      note(`view: unexpected key ${key}`);
    }
  }
  return result;
}
