import { defineConfig, mergeConfig } from 'vitest/config';
import { FastFirstSequencer } from './test/mutation/fast-first-sequencer.js';
import base from './vitest.config.js';

// The suite as Stryker runs it (stryker.config.mjs). Stryker runs two of these at once, so each
// keeps to one worker. Left out: tests whose code under test runs in another process (the bundled
// Lambda, the CDK synth, the CLI spawned as a program) cannot see Stryker's active mutant, and the
// soak, which replays days of traffic and covers nothing the loader tests do not.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      maxWorkers: 1,
      sequence: { sequencer: FastFirstSequencer },
      exclude: [
        'test/mysql/**',
        'test/infra/**',
        'test/soak/**',
        'test/e2e/**',
        '**/bundle.test.ts',
        '**/node_modules/**',
      ],
    },
  }),
);
