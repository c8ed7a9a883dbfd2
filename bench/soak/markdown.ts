import { SCENARIOS } from './options.js';
import type { SoakReport } from './report.js';

/** The soak's figures as the section docs/performance.md keeps. */
export function soakMarkdown(report: SoakReport): string {
  const { options, days } = report;
  const sum = (pick: (day: SoakReport['days'][number]) => number) =>
    days.reduce((total, day) => total + pick(day), 0);
  const enabled = SCENARIOS.filter((name) => options.scenarios[name]);
  const lines = [
    `${days.length} simulated days, ${options.changesPerDay} source changes a day in ${options.slicesPerDay} slices, seed ${options.seed}; scenarios: ${enabled.join(', ') || 'none'}${options.scenarios['propagation-delay'] ? ` (propagation ${options.schemaPropagationSeconds} s)` : ''}; late files ${options.lateDays} days old.`,
    '',
    `Result: **${report.passed ? 'every day passed' : `${days.filter((day) => !day.passed).length} day(s) failed`}**, wall time ${(report.wallMs / 1000).toFixed(0)} s (${(report.wallMs / 1000 / days.length).toFixed(1)} s per simulated day).`,
    '',
    `Totals: ${sum((d) => d.files)} files, ${sum((d) => d.rows)} rows, ${sum((d) => d.replayed)} replayed, ${sum((d) => d.lateDuplicates)} late duplicates, ${sum((d) => d.redriven)} redriven, ${sum((d) => d.jobs)} BigQuery jobs, ${sum((d) => d.bytesBilled)} bytes billed.`,
    '',
    '| day | files | rows | replayed | late dup. | redriven | jobs | bytes billed | checks |',
    '| --: | --: | --: | --: | --: | --: | --: | --: | :-- |',
    ...days.map(
      (day) =>
        `| ${day.day + 1} | ${day.files} | ${day.rows} | ${day.replayed} | ${day.lateDuplicates} | ${day.redriven} | ${day.jobs} | ${day.bytesBilled} | ${day.passed ? 'pass' : 'FAIL'} |`,
    ),
  ];
  return lines.join('\n');
}
