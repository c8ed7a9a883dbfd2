// Mutation testing (npm run mutate; docs/testing.md, ADR 0058). Scoped to the code where a silent
// one-line change loses or duplicates data: the loader and its BigQuery calls, the current-table
// streaming, the DMS task lifecycle, replay, reconciliation, and the DMS key and sequence parsing.
// Not part of `npm test`: a full run takes hours on two cores. The incremental file is committed so
// that a re-run tests only the mutants whose code or covering tests changed since.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  checkers: ['typescript'],
  // Only lambdas/: a mutant that does not compile fails there. With the whole project (tests
  // included) the checker re-checked every test file per group of mutants and took more CPU than
  // running the tests.
  tsconfigFile: 'tsconfig.mutate.json',
  coverageAnalysis: 'perTest',
  // Module-level constants run at import, before any test: each such mutant needs the whole suite.
  // The constants that matter (caps, windows) are covered through the functions that read them.
  ignoreStatic: true,
  mutate: [
    'lambdas/loader/**/*.ts',
    'lambdas/shared/bigquery/**/*.ts',
    'lambdas/dms-task/**/*.ts',
    'lambdas/replay/**/*.ts',
    'lambdas/shared/reconcile/**/*.ts',
    'lambdas/shared/dms/keys.ts',
  ],
  incremental: true,
  incrementalFile: 'test/mutation/stryker-incremental.json',
  concurrency: 2,
  timeoutMS: 10_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
