import { defineConfig } from 'vitest/config';

// Tests import the packages by name, i.e. their compiled output: `npm test` runs `tsc -b` first.
export default defineConfig({
  test: {
    include: ['{core,server,cli,test}/**/*.test.ts', 'plugins/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // 2 cores: two files at a time keeps the database and the fakes from starving each other.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
