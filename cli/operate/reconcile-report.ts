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
      text: table.rows ? `${count(table.rows.currentRows)}/${count(table.rows.sourceRows)}` : 'not checked',
      tone: table.rows && table.rows.difference !== 0 ? 'bad' : table.rows ? 'plain' : 'warn',
    },
  ]);
  return [
    renderTable(
      ['TABLE', 'VERDICT', 'INSERTS bq/dms', 'UPDATES bq/dms', 'DELETES bq/dms', 'MISSING', 'ROWS bq/source'],
      rows,
    ),
    'INSERTS counts full-load rows too (Op I). Counted since each table’s last full-load start.\n',
    ...(tables.some((table) => !table.rows)
      ? [
          'ROWS not checked: the row counts are compared once the change counts match (or rows are missing), and only with a source to count (--source-url; locally the ground truth).\n',
        ]
      : []),
    `${summarize(tables, label)}\n`,
  ].join('\n');
}

/**
 * Why a table is not fine, or undefined when it is: drift, a surplus or shortfall, no statistics, or
 * row counts that differ. A table whose rows were not checked is fine only when no source can be
 * counted at all; the summary says so rather than calling it reconciled.
 */
export function tableProblem(table: TableReconciliation): string | undefined {
  if (table.drifting) return 'drifting';
  if (table.verdict !== 'match') return table.verdict;
  if (table.rows && table.rows.difference !== 0) return 'rows differ';
  return undefined;
}

function summarize(tables: readonly TableReconciliation[], label: string): string {
  const drifting = tables.filter((table) => table.drifting);
  if (drifting.length > 0)
    return `${drifting.length} of ${tables.length} table(s) drifting: ${drifting.map(describeDrift).join('; ')}`;
  const troubled = tables.filter((table) => tableProblem(table) !== undefined);
  if (troubled.length > 0) {
    const named = troubled.map((table) => `${table.source}.${table.targetTable} ${tableProblem(table)}`);
    return `${troubled.length} of ${tables.length} table(s) do not reconcile (${label}): ${named.join(', ')}`;
  }
  const unchecked = tables.filter((table) => !table.rows).length;
  return unchecked === 0
    ? `all ${tables.length} table(s) reconcile (${label})`
    : `change counts match on all ${tables.length} table(s) (${label}); rows not checked on ${unchecked}: pass --source-url to compare _current with the source`;
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
