import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLUGIN_API_VERSION } from '../plugin-api/index.js';
import { CONTRIBUTION_POINTS, type ContributionPoint } from './contributions/index.js';

const API_MAJOR = PLUGIN_API_VERSION.split('.')[0];

/** Versioned with the plugin API's major: a v1 manifest stays valid for every 1.x core. */
export const PLUGIN_MANIFEST_SCHEMA_ID = `https://connector.dev/schema/plugin-manifest/v${API_MAJOR}.json`;

/** The published copy; `npm run schema -w core` rewrites it and a test fails when it drifts. */
export const PLUGIN_MANIFEST_SCHEMA_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../schema/plugin-manifest.schema.json');

export const ACTIVATION_EVENT_PATTERN = '^(onStartup|onMarketplace:[a-z][a-z0-9-]{1,39})$';

/**
 * The JSON schema of a plugin's package.json, assembled from the contribution points so that a new
 * point is declared in one place. Formats `semver` and `semver-range` are checked by the core with the
 * `semver` package; other validators ignore unknown formats.
 */
export function buildManifestSchema(points: readonly ContributionPoint[] = CONTRIBUTION_POINTS): Record<string, unknown> {
  const definitions: Record<string, unknown> = {};
  const contributes: Record<string, unknown> = {};
  for (const point of points) {
    contributes[point.name] = { description: point.description, ...point.schema };
    Object.assign(definitions, point.definitions ?? {});
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: PLUGIN_MANIFEST_SCHEMA_ID,
    title: 'Connector plugin manifest',
    description: `The package.json of a Connector plugin (plugin API ${API_MAJOR}.x). Read and validated without running the plugin's code.`,
    type: 'object',
    required: ['name', 'version', 'main', 'engines', 'contributes'],
    properties: {
      name: {
        type: 'string',
        pattern: '^(@[a-z0-9-~][a-z0-9-._~]*/)?[a-z0-9-~][a-z0-9-._~]*$',
        maxLength: 214,
        'x-fix': 'use a valid npm package name, e.g. "@acme/connector-plugin-shop"',
      },
      version: { type: 'string', format: 'semver', 'x-fix': 'use a semantic version such as "1.0.0"' },
      main: { type: 'string', minLength: 1, description: 'Entry module (ESM), relative to the package folder; exports activate() (default export or named).' },
      engines: {
        type: 'object',
        required: ['connector'],
        properties: {
          connector: {
            type: 'string',
            format: 'semver-range',
            description: `Plugin API versions the plugin works with, pinned to one major, e.g. "^${API_MAJOR}.0.0".`,
            'x-fix': `use a range on one major of the plugin API, e.g. "^${API_MAJOR}.0.0"`,
          },
        },
      },
      activationEvents: {
        type: 'array',
        uniqueItems: true,
        description: 'When the code is loaded: "onMarketplace:<id>" (the default: the first time one of its integrations has work) or "onStartup".',
        items: { type: 'string', pattern: ACTIVATION_EVENT_PATTERN, 'x-fix': 'use "onMarketplace:<id>" or "onStartup"' },
      },
      isolation: {
        enum: ['worker', 'process'],
        default: 'worker',
        description: 'Where the code runs: a worker thread (default, light) or a child process (for native addons; fs writes and subprocesses denied).',
      },
      contributes: {
        type: 'object',
        additionalProperties: false,
        required: points.filter((p) => p.required).map((p) => p.name),
        properties: contributes,
      },
    },
    definitions,
  };
}
