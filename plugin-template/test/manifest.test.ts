/**
 * `connector plugin validate` as a test: the same rules the runtime runs when it loads the plugin,
 * plus the README's generated sections (`npm run docs` rewrites them from package.json).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintPlugin } from '@connector/core/testing';

const dir = join(import.meta.dirname, '..');

describe('package.json (the manifest) and README.md', () => {
  it('pass every validation rule: no error, no warning', () => {
    const report = lintPlugin(dir);
    // `main` is dist/index.js: checked once `npm run build` has made it.
    const built = existsSync(join(dir, 'dist/index.js'));
    expect(report.findings.filter((f) => built || f.rule !== 'manifest/main')).toEqual([]);
  });
});
