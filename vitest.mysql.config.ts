import { defineConfig } from 'vitest/config';

/**
 * The tests that need a MariaDB server (`npm run test:mysql`): each file starts its own on a free
 * port. Kept apart so `npm test` needs nothing installed.
 */
export default defineConfig({
  test: {
    include: ['test/mysql/**/*.test.ts'],
    globalSetup: ['test/mysql/support/global-setup.ts'],
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
