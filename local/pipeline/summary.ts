import type { PipelineSummary } from './outcomes.js';
import type { TableReconciliation } from './reconcile.js';

/** One line that says what the freshness figure is, printed wherever it is shown. */
export const FRESHNESS_LEGEND =
  "freshness = when the file's load finished − the newest _dms_timestamp in it (the source commit time of its latest change): how far BigQuery trails the source";

const count = (value: number): string => value.toLocaleString('en-US');

/**
 * The report `npm start` and `dms2bq local load` end with. Two kinds of row counts, always named:
 * changelog rows (every insert, update and delete DMS wrote, plus the full load) and current rows
 * (what `<table>_current` shows: the latest version of each primary key, deletes left out), and
 * which kind each `_current` is: a view over the changelog or a CDC table the loader streams into.
 */
export function renderSummary(
  summary: PipelineSummary,
  tables: readonly TableReconciliation[],
  views: readonly string[],
): string {
  const changelogRows = Object.values(summary.rowsByTable).reduce((sum, rows) => sum + rows, 0);
  const lines = [
    '',
    `Parquet files: ${count(summary.files)} announced · ${count(summary.loaded)} loaded · ${count(summary.duplicates)} duplicate deliveries skipped (already loaded) · ${count(summary.failed.length)} failed (in the DLQ)`,
    `changelog rows loaded: ${count(changelogRows)} (one per insert, update and delete, plus the full load's rows)`,
    // Counts what this run did: with nothing loaded, no view got new rows to show.
    summary.loaded === 0
      ? `_current views applied: 0 (no file loaded; ${count(views.length)} in place from earlier runs)`
      : `_current views applied: ${count(views.length)} (the latest row per primary key, deletes left out)`,
  ];
  const histories = tables.filter((table) => table.history !== undefined);
  if (histories.length > 0)
    lines.push(
      `_history views checked: ${count(histories.length)} (every version per key; ${count(histories.reduce((sum, table) => sum + (table.history?.versions ?? 0), 0))} versions, one open per live key expected)`,
    );
  const cdcTables = tables.filter((table) => table.kind === 'table').length;
  if (cdcTables > 0)
    lines.push(
      `_current CDC tables: ${count(cdcTables)} (the loader streams every change into them; BigQuery applies it by primary key)`,
    );
  lines.push('');
  if (tables.length > 0) {
    lines.push(
      `${'table'.padEnd(32)} ${'_current'.padEnd(9)} ${'changelog rows'.padStart(14)} ${'current rows expected'.padStart(21)} ${'current rows found'.padStart(18)}  result`,
    );
    for (const table of tables) {
      const verdict = table.matches
        ? 'match'
        : `MISMATCH (${table.missing} missing, ${table.unexpected} unexpected, ${table.different} different${table.staleSourceChangedAt ? `, ${table.staleSourceChangedAt} wrong _source_changed_at` : ''}${table.history?.openMismatches ? `, ${table.history.openMismatches} wrong open _history versions` : ''})`;
      const kind = table.kind === 'table' ? 'CDC table' : 'view';
      lines.push(
        `${table.table.padEnd(32)} ${kind.padEnd(9)} ${count(summary.rowsByTable[table.loaderTable] ?? 0).padStart(14)} ${count(table.expectedRows).padStart(21)} ${count(table.actualRows).padStart(18)}  ${verdict}`,
      );
      for (const example of table.examples) lines.push(`    ${example}`);
    }
  } else {
    lines.push(`${'source.table'.padEnd(40)} ${'changelog rows loaded'.padStart(21)}`);
    for (const [table, rows] of Object.entries(summary.rowsByTable)) {
      lines.push(`${table.padEnd(40)} ${count(rows).padStart(21)}`);
    }
    if (Object.keys(summary.rowsByTable).length === 0) lines.push('(no rows loaded)');
  }
  for (const failure of summary.failed) lines.push(`failed: ${failure.key}: ${failure.reason}`);
  return `${lines.join('\n')}\n`;
}
