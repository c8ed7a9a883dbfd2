import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // These need a MariaDB server: `npm run test:mysql` (vitest.mysql.config.ts) runs them.
    exclude: ['test/mysql/**', '**/node_modules/**'],
    // Integration tests start emulators; two cores are shared by everything, so keep workers few.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
