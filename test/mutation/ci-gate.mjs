// .ci/run's gate for `npm run mutate`: runs Stryker only when the committed incremental file leaves
// few enough mutants to re-test to fit CI's time. A mutant is re-tested when its file changed, when
// a test that covered it changed, or when its file is new to the scope; everything else Stryker
// reuses from the file. A full run takes hours on two cores (docs/testing.md), so CI never starts
// one: it prints what it skipped and why, and exits 0.
// Budget: MUTATE_CI_MINUTES (default 10). Cost per mutant: SECONDS_PER_MUTANT, measured on the
// 2-core machines (docs/testing.md), plus one dry run of the tests related to the changed files.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import config from '../../stryker.config.mjs';

const SECONDS_PER_MUTANT = 15;
const DRY_RUN_SECONDS = 240;
// A scoped file new to the incremental file: Stryker makes about 1.1 mutants per line here.
const MUTANTS_PER_LINE = 1.1;
const budgetSeconds = Number(process.env.MUTATE_CI_MINUTES ?? 10) * 60;

const walk = (dir) => readdirSync(dir, { recursive: true }).map((file) => join(dir, file));
const scoped = config.mutate.flatMap((pattern) =>
  pattern.endsWith('/**/*.ts')
    ? walk(pattern.slice(0, -'/**/*.ts'.length)).filter((f) => f.endsWith('.ts'))
    : [pattern],
);
const read = (file) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);

if (!existsSync(config.incrementalFile)) {
  console.log(`mutate: skipped, no ${config.incrementalFile}; a first run takes hours (npm run mutate)`);
  process.exit(0);
}
const report = JSON.parse(readFileSync(config.incrementalFile, 'utf8'));
const changedTests = new Set();
for (const [file, { tests, source }] of Object.entries(report.testFiles ?? {})) {
  if (read(file) !== source) for (const t of tests) changedTests.add(t.id);
}
let toRetest = 0;
const reasons = [];
for (const file of scoped) {
  const previous = report.files[file];
  const now = read(file);
  if (!previous) {
    const estimate = Math.ceil(now.split('\n').filter((l) => l.trim()).length * MUTANTS_PER_LINE);
    toRetest += estimate;
    reasons.push(`${file} is new to the incremental file (about ${estimate} mutants)`);
  } else if (previous.source !== now) {
    toRetest += previous.mutants.length;
    reasons.push(`${file} changed (${previous.mutants.length} mutants)`);
  } else {
    const covered = previous.mutants.filter((m) => (m.coveredBy ?? []).some((id) => changedTests.has(id)));
    if (covered.length > 0) {
      toRetest += covered.length;
      reasons.push(`${file}: ${covered.length} mutants covered by changed tests`);
    }
  }
}
if (toRetest === 0) {
  console.log(
    `mutate: ${config.incrementalFile} is up to date with every scoped file and test; nothing to re-test`,
  );
  process.exit(0);
}
const seconds = DRY_RUN_SECONDS + toRetest * SECONDS_PER_MUTANT;
for (const reason of reasons) console.log(`mutate: ${reason}`);
if (seconds > budgetSeconds) {
  console.log(
    `mutate: skipped, ${toRetest} mutants to re-test take about ${Math.round(seconds / 60)} min, over CI's ${budgetSeconds / 60} min; run npm run mutate and commit ${config.incrementalFile}`,
  );
  process.exit(0);
}
console.log(`mutate: re-testing about ${toRetest} mutants (about ${Math.round(seconds / 60)} min)`);
const run = spawnSync('bash', ['test/mutation/mutate.sh'], { stdio: 'inherit' });
process.exit(run.status ?? 1);
