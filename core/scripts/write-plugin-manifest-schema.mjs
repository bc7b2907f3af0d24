// Writes core/schema/plugin-manifest.schema.json from the contribution points, and
// core/schema/mapping-context.schema.json (what fieldMappings sources may read), after `tsc -b`.
// core/test/extension-host/manifest.test.ts and core/test/plugin-lint.test.ts fail when a file and the code disagree.
import { writeFileSync } from 'node:fs';
import { buildManifestSchema, PLUGIN_MANIFEST_SCHEMA_PATH } from '../dist/plugins/manifest-schema.js';
import { mappingContextSchema, MAPPING_CONTEXT_SCHEMA_PATH } from '../dist/mapping/context-schema.js';

writeFileSync(PLUGIN_MANIFEST_SCHEMA_PATH, `${JSON.stringify(buildManifestSchema(), null, 2)}\n`);
console.log(`wrote ${PLUGIN_MANIFEST_SCHEMA_PATH}`);
writeFileSync(MAPPING_CONTEXT_SCHEMA_PATH, `${JSON.stringify(mappingContextSchema(), null, 2)}\n`);
console.log(`wrote ${MAPPING_CONTEXT_SCHEMA_PATH}`);
