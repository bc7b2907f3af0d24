import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildManifestSchema, LINT_RULES, mappingContextSchema, markedBlock, renderManifestReference, renderRuleCatalogue, renderSourcePaths, SOURCE_APIS } from '@connector/core';
import * as pluginApi from '@connector/core/plugin';
import * as testing from '@connector/core/testing';

const REPO = join(import.meta.dirname, '../..');
const guide = readFileSync(join(REPO, 'docs/plugin-authoring.md'), 'utf8');

describe('docs/plugin-authoring.md', () => {
  it('has the manifest reference, the validation rules and the mapping sources the code generates (npm run schema -w core)', () => {
    expect(markedBlock(guide, 'manifest-reference')).toBe(renderManifestReference(buildManifestSchema()));
    expect(markedBlock(guide, 'validation-rules')).toBe(renderRuleCatalogue(LINT_RULES));
    expect(markedBlock(guide, 'mapping-sources')).toBe(renderSourcePaths(mappingContextSchema(), SOURCE_APIS));
  });

  it('lists every validation rule id, each once', () => {
    for (const id of Object.keys(LINT_RULES)) expect(guide.match(new RegExp(`^\\| \`${id}\` \\|`, 'gm')), id).toHaveLength(1);
  });

  it('documents everything the plugin API exports (@connector/core/plugin), types included', () => {
    const source = readFileSync(join(REPO, 'core/src/plugin-api/index.ts'), 'utf8');
    const declared = [...source.matchAll(/^export (?:interface|type|const|function|class) (\w+)/gm)].map((m) => m[1]);
    const reexported = [...source.matchAll(/^export (?:type )?\{([^}]+)\}/gm)].flatMap((m) => m[1].split(',').map((n) => n.trim().replace(/^type\s+/, '').split(' as ').pop()!));
    const names = [...new Set([...declared, ...reexported, ...Object.keys(pluginApi)])].filter((n) => !n.startsWith('_'));
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) expect(guide, name).toContain(`\`${name}`);
  });

  it('documents every export of the test host (@connector/core/testing)', () => {
    for (const name of Object.keys(testing)) expect(guide, name).toContain(`\`${name}`);
  });

  it('documents every plugin command and option of the CLI', () => {
    for (const text of ['plugin new', 'plugin validate', 'plugin docs', 'plugin list', '--style', '--display-name', '--dir', '--json', '--strict', '--check', '--config', '--data-dir']) expect(guide).toContain(text);
  });
});
