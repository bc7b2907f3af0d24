import { defineConfig } from 'vitest/config';

/**
 * Tests whose assertion is a throughput comparison (a healthy plugin keeps ≥ 90 % of its throughput
 * next to a faulty one): they run alone, after the rest (vitest.solo.config.ts), so another test
 * file's load on this 2-core machine cannot decide their outcome. Also the test that generates
 * plugins/acme in the working tree, so no other file sees it (discovery, the plugins/* validation).
 */
export const SOLO = ['test/e2e/extension-host-faults.test.ts', 'test/e2e/plugin-new-in-repo.test.ts', 'test/reliability/6-faulty-plugin.test.ts'];

// Tests import the packages by name, i.e. their compiled output: `npm test` runs `tsc -b` first.
export default defineConfig({
  test: {
    include: ['{core,server,cli,test}/**/*.test.ts', 'plugins/*/test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'plugin-template/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', ...SOLO],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // 2 cores: two files at a time keeps the database and the fakes from starving each other.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
