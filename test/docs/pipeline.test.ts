import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORE_TRANSFORMS, OUTCOME_CODES, RULE_KINDS, renderMappingTable, type PluginManifest } from '@connector/core';

const doc = readFileSync(join(import.meta.dirname, '../../docs/pipeline.md'), 'utf8');
const section = (title: string) => {
  const start = doc.indexOf(`## ${title}`);
  expect(start, title).toBeGreaterThan(-1);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
};

describe('docs/pipeline.md', () => {
  it('documents every transformation op the core provides, and no other', () => {
    const ops = [...section('The mapping engine').matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]).filter((op) => !(RULE_KINDS as readonly string[]).includes(op));
    expect(ops.sort()).toEqual(Object.keys(CORE_TRANSFORMS).sort());
  });

  it('documents every registration rule and outcome code', () => {
    for (const rule of RULE_KINDS) expect(doc, rule).toMatch(new RegExp(`\\| \`${rule}\`( / \`\\w+\`)? \\||/ \`${rule}\` \\|`));
    for (const code of Object.keys(OUTCOME_CODES)) expect(section('Operation logs'), code).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });

  it('shows the Mercado Livre mapping table as its manifest generates it', () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '../../plugins/mercadolivre/package.json'), 'utf8')) as PluginManifest;
    expect(doc).toContain(renderMappingTable(manifest.contributes.marketplace.fieldMappings!, 'Mercado Livre'));
  });
});
