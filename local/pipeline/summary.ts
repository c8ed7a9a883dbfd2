import type { PipelineSummary } from './outcomes.js';
import type { TableReconciliation } from './reconcile.js';

/** The per-table report `npm start` ends with: expected vs loaded, duplicates, failures. */
export function renderSummary(
  summary: PipelineSummary,
  tables: readonly TableReconciliation[],
  views: readonly string[],
): string {
  const lines = [
    '',
    `files: ${summary.files} · loaded: ${summary.loaded} · duplicate deliveries skipped: ${summary.duplicates} · failed: ${summary.failed.length}`,
    `views applied: ${views.length}`,
    '',
    `${'table'.padEnd(32)} ${'expected'.padStart(9)} ${'loaded'.padStart(9)}  result`,
  ];
  for (const table of tables) {
    const verdict = table.matches
      ? 'match'
      : `MISMATCH (${table.missing} missing, ${table.unexpected} unexpected, ${table.different} different)`;
    lines.push(
      `${table.table.padEnd(32)} ${String(table.expectedRows).padStart(9)} ${String(table.actualRows).padStart(9)}  ${verdict}`,
    );
    for (const example of table.examples) lines.push(`    ${example}`);
  }
  for (const failure of summary.failed) lines.push(`failed: ${failure.key}: ${failure.reason}`);
  return `${lines.join('\n')}\n`;
}
