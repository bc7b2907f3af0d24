// Writes core/schema/plugin-manifest.schema.json from the contribution points (run after `tsc -b`).
// core/test/extension-host/manifest.test.ts fails when the published file and the code disagree.
import { writeFileSync } from 'node:fs';
import { buildManifestSchema, PLUGIN_MANIFEST_SCHEMA_PATH } from '../dist/plugins/manifest-schema.js';

writeFileSync(PLUGIN_MANIFEST_SCHEMA_PATH, `${JSON.stringify(buildManifestSchema(), null, 2)}\n`);
console.log(`wrote ${PLUGIN_MANIFEST_SCHEMA_PATH}`);
