// Re-checks the static mutants Stryker reports as survived (docs/testing.md, "Static mutants").
// A static mutant changes code that runs when its module loads (a module-level regex or constant).
// With `ignoreStatic`, Stryker still runs such a mutant when some test also reached it at run time,
// but only with those tests and by switching the mutant on after the module loaded, so the constant
// keeps its original value and the mutant "survives" whatever the tests check. This script applies
// each such survivor to the source for real, runs the test files whose tests reached it (or, when
// none did, those importing its module), restores the source, and records the outcome in the
// incremental file.
// Usage: node test/mutation/static-mutants.mjs [incremental.json] [--mutate a.ts,b.ts] [--tests t.ts,…]
// With --tests, every survivor of those files (static or not, and those no test reached at the
// run) with those test files instead: a module-level constant that a test re-imports afresh
// (vi.resetModules) reads as run-time covered, not static, and Stryker's coverage can leave out the
// test that asserts its value through another module (a runbook path a log line carries).
// With --mutate (as npm run mutate passes it on), only those files' survivors: the others were not
// re-tested by this run, so their outcome is already in the file or awaits their own run.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const mutateAt = args.indexOf('--mutate');
const testsAt = args.indexOf('--tests');
const given = testsAt === -1 ? undefined : args[testsAt + 1].split(',');
const only = mutateAt === -1 ? undefined : new Set(args[mutateAt + 1].split(','));
const reportFile =
  args.find((arg, i) => !arg.startsWith('--') && i !== mutateAt + 1 && i !== testsAt + 1) ??
  'test/mutation/stryker-incremental.json';
const report = JSON.parse(readFileSync(reportFile, 'utf8'));
const walk = (dir) => readdirSync(dir, { recursive: true }).map((file) => join(dir, file));
// The same test files Stryker runs (vitest.mutate.config.ts leaves these out).
const excluded = /^test\/(mysql|infra|soak|e2e)\/|bundle\.test\.ts$/;
const testFiles = walk('test')
  .filter((f) => f.endsWith('.test.ts') && !excluded.test(f))
  .map((f) => ({ file: f, source: readFileSync(f, 'utf8') }));

/** Offset in `source` of a 1-based line and column. */
const offset = (source, { line, column }) => {
  const lines = source.split('\n');
  return lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0) + column - 1;
};

const fileOfTest = new Map(
  Object.entries(report.testFiles ?? {}).flatMap(([file, { tests }]) => tests.map((t) => [t.id, file])),
);

let rechecked = 0;
let killed = 0;
for (const [file, entry] of Object.entries(report.files)) {
  if (only && !only.has(file)) continue;
  // With --tests, also the mutants no test reached at the run (NoCoverage): the given files are
  // the tests written for them since.
  const open = (m) => m.status === 'Survived' || (given && m.status === 'NoCoverage');
  const survivors = entry.mutants.filter((m) => open(m) && (m.static || given));
  if (survivors.length === 0) continue;
  const original = readFileSync(file, 'utf8');
  if (original !== entry.source) {
    console.log(`${file}: changed since the report; run npm run mutate first`);
    continue;
  }
  const module = file.replace(/\.ts$/, '.js').split('/').pop();
  const importers = () => testFiles.filter((t) => t.source.includes(`/${module}'`)).map((t) => t.file);
  for (const mutant of survivors) {
    // The files whose tests reached the mutant at run time: every importer would re-run the whole
    // loader suite per mutant (a module the handler imports took over 20 minutes for 7 mutants).
    const covering = [...new Set(mutant.coveredBy?.map((id) => fileOfTest.get(id)) ?? [])].filter(Boolean);
    const files = given ?? (covering.length > 0 ? covering : importers());
    const start = offset(original, mutant.location.start);
    const end = offset(original, mutant.location.end);
    writeFileSync(file, original.slice(0, start) + mutant.replacement + original.slice(end));
    try {
      const run = spawnSync(
        'npx',
        ['vitest', 'run', '-c', 'vitest.mutate.config.ts', '--bail', '1', ...files],
        { encoding: 'utf8' },
      );
      rechecked += 1;
      if (run.status !== 0) {
        killed += 1;
        mutant.status = 'Killed';
        mutant.statusReason = `killed when applied before load, by ${files.join(', ')}`;
      }
      console.log(
        `${mutant.status.padEnd(8)} ${file}:${mutant.location.start.line} ${mutant.mutatorName} → ${mutant.replacement}`,
      );
    } finally {
      writeFileSync(file, original);
    }
  }
}
writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
console.log(`static survivors re-checked: ${rechecked}, killed: ${killed}`);
