// Reads Stryker's JSON report (reports/mutation/mutation.json, or the path given) and prints the
// score per file and per scoped module as docs/testing.md reports it: killed ÷ (killed + survived +
// no coverage), timeouts counted as killed; then every survivor and uncovered mutant, one line each.
// A mutant no test reaches is as undetected as one that survives them (Stryker's own score counts
// both), so it counts against the score.
// Usage: node test/mutation/scores.mjs [report.json]
import { readFileSync } from 'node:fs';

const MODULES = [
  ['loader', (f) => f.startsWith('lambdas/loader/') && !f.startsWith('lambdas/loader/current-table/')],
  [
    'current-table streaming',
    (f) => f.startsWith('lambdas/loader/current-table/') || /\/cdc-[^/]+\.ts$/.test(f),
  ],
  [
    'BigQuery calls',
    (f) =>
      f.startsWith('lambdas/shared/bigquery/') &&
      !/\/cdc-[^/]+\.ts$/.test(f) &&
      !f.endsWith('change-sequence.ts'),
  ],
  ['dms-task', (f) => f.startsWith('lambdas/dms-task/')],
  ['replay', (f) => f.startsWith('lambdas/replay/')],
  ['reconcile', (f) => f.startsWith('lambdas/shared/reconcile/')],
  ['DMS key and sequence parsing', (f) => f.endsWith('dms/keys.ts') || f.endsWith('change-sequence.ts')],
];

const report = JSON.parse(readFileSync(process.argv[2] ?? 'reports/mutation/mutation.json', 'utf8'));
const tally = () => ({ killed: 0, survived: 0, noCoverage: 0 });
const files = new Map();
const modules = new Map(MODULES.map(([name]) => [name, tally()]));
const open = [];
for (const [file, { source, mutants }] of Object.entries(report.files)) {
  const t = tally();
  const lines = source.split('\n');
  for (const m of mutants) {
    if (m.status === 'Killed' || m.status === 'Timeout') t.killed++;
    else if (m.status === 'Survived') t.survived++;
    else if (m.status === 'NoCoverage') t.noCoverage++;
    else continue;
    if (m.status === 'Survived' || m.status === 'NoCoverage') {
      const at = m.location.start;
      const code = lines[at.line - 1]?.trim().slice(0, 90);
      open.push(
        `${m.status.padEnd(10)} ${file}:${at.line}:${at.column} ${m.mutatorName} → ${JSON.stringify(m.replacement ?? '')}  | ${code}`,
      );
    }
  }
  files.set(file, t);
  const module = MODULES.find(([, test]) => test(file));
  if (module) {
    const sum = modules.get(module[0]);
    for (const k of Object.keys(t)) sum[k] += t[k];
  }
}
const score = ({ killed, survived, noCoverage }) => {
  const counted = killed + survived + noCoverage;
  return counted === 0 ? '-' : `${((100 * killed) / counted).toFixed(1)} %`;
};
const row = (name, t) => `| ${name} | ${t.killed} | ${t.survived} | ${t.noCoverage} | ${score(t)} |`;
console.log('| module | killed (incl. timeout) | survived | no coverage | score |\n|---|---|---|---|---|');
for (const [name, t] of modules) if (t.killed + t.survived + t.noCoverage > 0) console.log(row(name, t));
console.log('\n| file | killed (incl. timeout) | survived | no coverage | score |\n|---|---|---|---|---|');
for (const [name, t] of [...files].sort()) console.log(row(`\`${name}\``, t));
console.log(`\n${open.length} survived or uncovered:`);
for (const line of open) console.log(line);
