import type { Verdict } from '../../lambdas/shared/reconcile/compare.js';
import type { TableReconciliation } from '../../lambdas/shared/reconcile/reconcile.js';
import { type Cell, count, renderTable, type Tone } from '../text-table.js';

const TONES: Record<Verdict, Tone> = {
  missing: 'bad',
  'not-replicated': 'warn',
  reloaded: 'warn',
  surplus: 'warn',
  'in-flight': 'plain',
  match: 'good',
};

/** Drifting tables first, then the ones to look at, then the matching ones; by name within. */
const RANK: Record<Verdict, number> = {
  missing: 0,
  'not-replicated': 1,
  reloaded: 2,
  surplus: 3,
  'in-flight': 4,
  match: 5,
};

export function sortReconciliations(tables: readonly TableReconciliation[]): TableReconciliation[] {
  const rank = (table: TableReconciliation) => (table.drifting ? -1 : RANK[table.verdict]);
  return [...tables].sort(
    (a, b) =>
      rank(a) - rank(b) || `${a.source}.${a.targetTable}`.localeCompare(`${b.source}.${b.targetTable}`),
  );
}

const pair = (expected: number | undefined, actual: number): string =>
  expected === undefined ? count(actual) : `${count(actual)}/${count(expected)}`;

export function renderReconciliation(tables: readonly TableReconciliation[], label: string): string {
  const rows: Cell[][] = sortReconciliations(tables).map((table) => [
    { text: `${table.source}.${table.targetTable}` },
    {
      text: table.drifting ? `${table.verdict}!` : table.verdict,
      tone: table.drifting ? 'bad' : TONES[table.verdict],
    },
    { text: pair(table.expected?.I, table.actual.I) },
    { text: pair(table.expected?.U, table.actual.U) },
    { text: pair(table.expected?.D, table.actual.D) },
    { text: table.missingRows ? count(table.missingRows) : '0', tone: table.missingRows ? 'bad' : 'plain' },
    {
      text: table.rows ? `${count(table.rows.currentRows)}/${count(table.rows.sourceRows)}` : '-',
      tone: table.rows && table.rows.difference !== 0 ? 'bad' : 'plain',
    },
  ]);
  const drifting = tables.filter((table) => table.drifting);
  const summary = drifting.length
    ? `${drifting.length} of ${tables.length} table(s) drifting: ${drifting.map(describeDrift).join('; ')}`
    : `all ${tables.length} table(s) reconcile (${label})`;
  return [
    renderTable(
      ['TABLE', 'VERDICT', 'INSERTS bq/dms', 'UPDATES bq/dms', 'DELETES bq/dms', 'MISSING', 'ROWS bq/source'],
      rows,
    ),
    'INSERTS counts full-load rows too (Op I). Counted since each table’s last full-load start.\n',
    `${summary}\n`,
  ].join('\n');
}

/** One line an operator can act on: which table, how many rows, of which kind. */
export function describeDrift(table: TableReconciliation): string {
  const parts: string[] = [];
  if (table.missingRows > 0) {
    const ops = (['I', 'U', 'D'] as const)
      .filter((op) => table.missing[op] > 0)
      .map((op) => `${op} ${count(table.missing[op])}`)
      .join(', ');
    parts.push(`${count(table.missingRows)} row(s) missing (${ops})`);
  }
  if (table.rows && table.rows.difference !== 0) {
    parts.push(
      `_current has ${count(table.rows.currentRows)} rows, the source ${count(table.rows.sourceRows)}`,
    );
  }
  return `${table.source}.${table.targetTable} (${table.schema}.${table.table}): ${parts.join(', ')}`;
}

/** The documented `--json` shape (docs/reconciliation.md). */
export function reconciliationJson(tables: readonly TableReconciliation[], label: string, now: Date) {
  return {
    target: label,
    generatedAt: now.toISOString(),
    drifting: tables.filter((table) => table.drifting).length,
    tables: sortReconciliations(tables).map((table) => ({
      source: table.source,
      schema: table.schema,
      table: table.table,
      dataset: table.dataset,
      targetTable: table.targetTable,
      task: { identifier: table.taskIdentifier, status: table.taskStatus ?? null },
      verdict: table.verdict,
      drifting: table.drifting,
      since: table.since?.toISOString() ?? null,
      dms: table.expected ?? null,
      changelog: table.actual,
      missing: table.missing,
      missingRows: table.missingRows,
      surplusRows: table.surplusRows,
      rows: table.rows ?? null,
    })),
  };
}
