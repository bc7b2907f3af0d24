// vitest config of bench/certification: runs only certify.test.ts (the root config's `include` does not reach
// bench/, so `npm test` never runs a certification). One file, one worker, long timeouts: feedLoadTest sets its own.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

export default defineConfig({
  root: ROOT,
  test: {
    include: ['bench/certification/certify.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 600_000,
    hookTimeout: 3_600_000,
    pool: 'forks',
    maxWorkers: 1,
    passWithNoTests: true,
  },
});
