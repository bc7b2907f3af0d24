import { defineConfig } from 'vitest/config';
import { SOLO } from './vitest.config.js';

// The throughput-comparison tests, one file at a time with nothing else running (see SOLO).
export default defineConfig({
  test: {
    include: SOLO,
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
