import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import semver from 'semver';
import { createAjv } from '../config/validation.js';
import { PLUGIN_API_VERSION } from '../plugin-api/index.js';
import { CONTRIBUTION_POINTS, type PluginProblem } from './contributions/index.js';
import type { PluginManifest } from './manifest.js';
import { buildManifestSchema } from './manifest-schema.js';

export type { PluginProblem };

export type ManifestVerdict =
  | { ok: true; manifest: PluginManifest; problems: [] }
  /** `invalid`: breaks the schema or a rule; `incompatible`: only engines.connector is the problem. */
  | { ok: false; kind: 'invalid' | 'incompatible'; problems: PluginProblem[] };

let compiled: ValidateFunction | undefined;
function manifestValidator(): ValidateFunction {
  if (!compiled) {
    // verbose: the failing schema node travels with each error, so its `x-fix` can be shown.
    const ajv = createAjv({ verbose: true });
    ajv.addFormat('semver', { type: 'string', validate: (v: string) => semver.valid(v) !== null });
    ajv.addFormat('semver-range', { type: 'string', validate: (v: string) => semver.validRange(v) !== null });
    compiled = ajv.compile(buildManifestSchema());
  }
  return compiled;
}

/**
 * Validates a plugin's package.json without running any of its code: the published schema, the
 * contribution points' own checks, `engines.connector` against this core's plugin API version,
 * activation events and the entry file. Every problem comes with its JSON pointer and a fix.
 * Defaults from the schema (isolation, capabilities flags) are applied to `raw`.
 */
export function validateManifest(raw: unknown, dir: string, apiVersion: string = PLUGIN_API_VERSION): ManifestVerdict {
  const validate = manifestValidator();
  const schemaOk = validate(raw);
  const invalid: PluginProblem[] = schemaOk ? [] : schemaProblems(validate.errors);
  const manifest = raw as PluginManifest;
  const record = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;

  const range = (record.engines as Record<string, unknown> | undefined)?.connector;
  const incompatible = typeof range === 'string' && semver.validRange(range) !== null ? engineProblems(range, apiVersion) : [];

  if (schemaOk) {
    invalid.push(...activationProblems(manifest), ...mainProblems(manifest, dir));
    for (const point of CONTRIBUTION_POINTS) {
      const value = (manifest.contributes as Record<string, unknown>)[point.name];
      if (value !== undefined && point.check) invalid.push(...point.check(value, `/contributes/${point.name}`));
    }
  }
  if (invalid.length) return { ok: false, kind: 'invalid', problems: [...invalid, ...incompatible] };
  if (incompatible.length) return { ok: false, kind: 'incompatible', problems: incompatible };
  return { ok: true, manifest, problems: [] };
}

/** `engines.connector` must name one major of the plugin API and include this core's version. */
export function engineProblems(range: string, apiVersion: string = PLUGIN_API_VERSION): PluginProblem[] {
  const path = '/engines/connector';
  const apiMajor = semver.major(apiVersion);
  const min = semver.minVersion(range);
  if (!min) return [{ path, message: `"${range}" matches no version`, fix: `use "^${apiMajor}.0.0"`, rule: 'manifest/engine-range' }];
  if (semver.intersects(range, `>=${min.major + 1}.0.0`)) {
    return [{
      path,
      message: `"${range}" spans more than one major of the plugin API`,
      fix: `pin it to the major the plugin was built against, e.g. "^${min.major}.0.0"`,
      rule: 'manifest/engine-range',
    }];
  }
  if (semver.satisfies(apiVersion, range, { includePrerelease: true })) return [];
  const message = `requires plugin API ${range}, but this connector implements ${apiVersion}`;
  const rule = 'manifest/engine-incompatible';
  if (min.major > apiMajor) {
    return [{ path, message, fix: `upgrade the connector to one implementing plugin API ${min.major}.x, or install a version of the plugin built for "^${apiMajor}.0.0"`, rule }];
  }
  if (min.major < apiMajor) {
    return [{ path, message, fix: `install a version of the plugin built for plugin API "^${apiMajor}.0.0" (this one targets ${min.major}.x)`, rule }];
  }
  return [{ path, message, fix: `upgrade the connector to plugin API ${min.version} or later within ${apiMajor}.x`, rule }];
}

function activationProblems(manifest: PluginManifest): PluginProblem[] {
  const id = manifest.contributes.marketplace.id;
  return (manifest.activationEvents ?? []).flatMap((event, i) => {
    const [kind, target] = event.split(':');
    if (kind === 'onMarketplace' && target !== id) {
      return [{ path: `/activationEvents/${i}`, message: `names marketplace "${target}", but this plugin contributes "${id}"`, fix: `use "onMarketplace:${id}"`, rule: 'manifest/activation-event' }];
    }
    return [];
  });
}

function mainProblems(manifest: PluginManifest, dir: string): PluginProblem[] {
  const entry = resolve(dir, manifest.main);
  const inside = relative(dir, entry);
  if (inside.startsWith(`..${sep}`) || inside === '..') {
    return [{ path: '/main', message: `"${manifest.main}" points outside the plugin's folder`, fix: 'point main at a file inside the package', rule: 'manifest/main' }];
  }
  if (!existsSync(entry)) {
    return [{ path: '/main', message: `"${manifest.main}" does not exist in ${dir}`, fix: 'build the plugin (npm run build) or point main at its entry file', rule: 'manifest/main' }];
  }
  return [];
}

/** ajv's errors as manifest problems: a JSON pointer, a message and a fix for each. */
function schemaProblems(errors: ErrorObject[] | null | undefined): PluginProblem[] {
  const problems: PluginProblem[] = [];
  const seen = new Set<string>();
  // An anyOf's branch errors are summarised by the anyOf itself.
  const branchPrefixes = (errors ?? []).filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  for (const e of errors ?? []) {
    // `if` repeats its `then` branch's complaint.
    if (e.keyword === 'if' || branchPrefixes.some((p) => e.schemaPath.startsWith(p))) continue;
    const found = toProblem(e, errors ?? []);
    if (!found) continue;
    const problem: PluginProblem = { ...found, rule: 'manifest/schema' };
    const key = `${problem.path}|${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function toProblem(e: ErrorObject, all: ErrorObject[]): PluginProblem | undefined {
  const node = (e.parentSchema ?? {}) as Record<string, unknown>;
  const hint = typeof node['x-fix'] === 'string' ? (node['x-fix'] as string) : undefined;
  const path = e.instancePath;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const missing = params.missingProperty as string;
      const child = (node.properties as Record<string, Record<string, unknown>> | undefined)?.[missing];
      const childHint = typeof child?.['x-fix'] === 'string' ? `; ${child['x-fix'] as string}` : '';
      return { path: `${path}/${missing}`, message: 'is required', fix: `add "${missing}"${childHint}` };
    }
    case 'additionalProperties': {
      const extra = params.additionalProperty as string;
      const known = Object.keys((node.properties as Record<string, unknown>) ?? {});
      return {
        path: `${path}/${extra}`,
        message: 'is not a known property',
        fix: known.length ? `remove it or correct its spelling (known: ${known.join(', ')})` : 'remove it',
      };
    }
    case 'anyOf': {
      // The branches' own errors are `required`-style noise; the node's hint says what is wanted.
      return { path, message: 'does not match any allowed shape', fix: hint ?? describeBranches(e, all) };
    }
    case 'enum':
      return { path, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, fix: hint ?? 'use one of the allowed values' };
    case 'const':
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}`, fix: hint ?? `set it to ${JSON.stringify(params.allowedValue)}` };
    case 'type':
      return { path, message: `must be ${params.type as string}`, fix: hint ?? `give it a value of type ${params.type as string}` };
    case 'format':
      return { path, message: `must be a valid ${params.format as string}`, fix: hint ?? `write a valid ${params.format as string}` };
    default:
      return { path, message: e.message ?? 'is invalid', fix: hint ?? 'see core/schema/plugin-manifest.schema.json for the allowed values' };
  }
}

function describeBranches(e: ErrorObject, all: ErrorObject[]): string {
  const wanted = all
    .filter((o) => o !== e && o.instancePath === e.instancePath && o.keyword === 'required')
    .map((o) => (o.params as { missingProperty: string }).missingProperty);
  return wanted.length ? `give one of: ${[...new Set(wanted)].join(', ')}` : 'see core/schema/plugin-manifest.schema.json';
}
