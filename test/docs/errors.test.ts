import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Errors } from '@connector/core';

const doc = readFileSync(join(import.meta.dirname, '../../docs/errors.md'), 'utf8');

describe('docs/errors.md', () => {
  const inCode = Object.values(Errors).map((f) => f.code).sort();
  const inDocs = [...new Set(doc.match(/CONNECTOR_ERR_[A-Z0-9_]+/g) ?? [])].sort();

  it('documents every error code the code defines, and no other', () => {
    expect(inDocs).toEqual(inCode);
  });

  it('gives each code one row of its own', () => {
    for (const code of inCode) expect(doc.match(new RegExp(`^\\| \`${code}\` \\|`, 'gm')), code).toHaveLength(1);
  });

  it('never gives two errors the same code', () => {
    expect(new Set(inCode).size).toBe(inCode.length);
  });
});
