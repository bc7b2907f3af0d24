// Writes core/schema/plugin-manifest.schema.json from the contribution points, and
// core/schema/mapping-context.schema.json (what fieldMappings sources may read), after `tsc -b`; then
// the generated parts of docs/plugin-authoring.md (manifest reference, validation rules, sources).
// core/test/extension-host/manifest.test.ts, core/test/plugin-lint.test.ts and
// test/docs/plugin-authoring.test.ts fail when a file and the code disagree.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildManifestSchema, PLUGIN_MANIFEST_SCHEMA_PATH } from '../dist/plugins/manifest-schema.js';
import { mappingContextSchema, MAPPING_CONTEXT_SCHEMA_PATH, SOURCE_APIS } from '../dist/mapping/context-schema.js';
import { renderManifestReference, renderRuleCatalogue, renderSourcePaths, replaceMarkedBlock } from '../dist/plugins/docs.js';
import { LINT_RULES } from '../dist/plugins/lint/rules.js';

writeFileSync(PLUGIN_MANIFEST_SCHEMA_PATH, `${JSON.stringify(buildManifestSchema(), null, 2)}\n`);
console.log(`wrote ${PLUGIN_MANIFEST_SCHEMA_PATH}`);
writeFileSync(MAPPING_CONTEXT_SCHEMA_PATH, `${JSON.stringify(mappingContextSchema(), null, 2)}\n`);
console.log(`wrote ${MAPPING_CONTEXT_SCHEMA_PATH}`);

const guide = resolve(import.meta.dirname, '../../docs/plugin-authoring.md');
if (existsSync(guide)) {
  let text = readFileSync(guide, 'utf8');
  text = replaceMarkedBlock(text, 'manifest-reference', renderManifestReference(buildManifestSchema()));
  text = replaceMarkedBlock(text, 'validation-rules', renderRuleCatalogue(LINT_RULES));
  text = replaceMarkedBlock(text, 'mapping-sources', renderSourcePaths(mappingContextSchema(), SOURCE_APIS));
  writeFileSync(guide, text);
  console.log(`updated ${guide}`);
}
