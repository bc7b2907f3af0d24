import { readFileSync } from 'node:fs';
import { join, normalize, relative } from 'node:path';
import { validateLimits } from '../../delivery/limits.js';
import { compileMapping } from '../../mapping/engine.js';
import { mappingContextSchema, SOURCE_APIS } from '../../mapping/context-schema.js';
import { parsePath, parseTemplate, type ParsedPath } from '../../mapping/paths.js';
import { CORE_TRANSFORMS } from '../../mapping/transforms.js';
import type { FieldMappingRow } from '../../mapping/types.js';
import { PLUGIN_API_VERSION } from '../../plugin-api/index.js';
import { CompiledRules, compileRules, type RegistrationRule } from '../../rules/registration-rules.js';
import { escapePointer } from '../contributions/marketplace.js';
import { readmeSections, README_SECTIONS, renderSection, SECTION_SOURCES } from '../docs.js';
import type { PluginManifest } from '../manifest.js';
import { validateManifest, type PluginProblem } from '../manifest-validation.js';
import { finding, LINT_RULES, type Finding, type RuleId } from './rules.js';

/** The keyword an npm package carries to be found as a plugin (discovery.ts uses the same). */
const PLUGIN_KEYWORD = 'connector-plugin';

export interface LintOptions {
  /** Plugin API version to check `engines.connector` against (default: this core's). */
  apiVersion?: string;
  /** `load`: the manifest rules only (the runtime, at discovery); `package`: every rule (`connector plugin validate`). */
  scope?: 'load' | 'package';
  /** README.md's text (package scope); read from `dir` when absent. `null`: there is none. */
  readme?: string | null;
}

export interface LintReport {
  dir: string;
  /** `name@version` when the manifest says so. */
  label: string;
  findings: Finding[];
  errors: number;
  warnings: number;
  /**
   * Whether the runtime loads it: `invalid` (an error other than engine compatibility), `incompatible`
   * (only `manifest/engine-incompatible`), or ok — then `manifest` is the validated manifest.
   */
  verdict: { ok: true; manifest: PluginManifest } | { ok: false; kind: 'invalid' | 'incompatible' };
}

/**
 * Runs the validation rules (./rules.ts) over a plugin's package.json — without running any of its
 * code. The runtime uses the `load` scope at discovery (errors refuse the plugin); `connector plugin
 * validate` uses `package`, which adds what is published with it (README, keyword, files).
 */
export function lintManifest(raw: unknown, dir: string, options: LintOptions = {}): LintReport {
  const apiVersion = options.apiVersion ?? PLUGIN_API_VERSION;
  const base = validateManifest(raw, dir, apiVersion);
  const findings: Finding[] = base.problems.map(fromProblem);
  const schemaOk = !findings.some((f) => f.rule === 'manifest/schema');
  const manifest = raw as PluginManifest;
  if (schemaOk) findings.push(...manifestFindings(manifest));
  if (options.scope === 'package') {
    findings.push(...packageFindings(raw, dir));
    if (schemaOk) {
      const readme = options.readme === undefined ? readText(join(dir, 'README.md')) : (options.readme ?? undefined);
      findings.push(...readmeFindings(readme, manifest));
    }
  }
  const errors = findings.filter((f) => f.severity === 'error');
  const loadErrors = errors.filter((f) => LINT_RULES[f.rule].scope === 'manifest');
  const verdict: LintReport['verdict'] = !loadErrors.length
    ? { ok: true, manifest }
    : { ok: false, kind: loadErrors.every((f) => f.rule === 'manifest/engine-incompatible') ? 'incompatible' : 'invalid' };
  return { dir, label: labelOf(raw, dir), findings, errors: errors.length, warnings: findings.length - errors.length, verdict };
}

/** `connector plugin validate [dir]`: package.json (and README.md) of the plugin in `dir`, every rule. */
export function lintPlugin(dir: string, options: Omit<LintOptions, 'scope'> = {}): LintReport {
  const text = readText(join(dir, 'package.json'));
  let raw: unknown;
  try {
    raw = text === undefined ? undefined : JSON.parse(text);
  } catch (error) {
    raw = undefined;
    const f = finding('manifest/schema', '', `package.json is not valid JSON: ${(error as Error).message}`, 'make package.json valid JSON');
    return { dir, label: dir, findings: [f], errors: 1, warnings: 0, verdict: { ok: false, kind: 'invalid' } };
  }
  if (raw === undefined) {
    const f = finding('manifest/schema', '', `there is no package.json in ${dir}`, 'run it in the plugin\'s folder, or create the plugin with `connector plugin new`');
    return { dir, label: dir, findings: [f], errors: 1, warnings: 0, verdict: { ok: false, kind: 'invalid' } };
  }
  return lintManifest(raw, dir, { ...options, scope: 'package' });
}

/** Findings the way extension-host errors show problems (refusals, CONNECTOR_ERR_PLUGIN_INVALID). */
export function toProblems(findings: Finding[]): PluginProblem[] {
  return findings.map((f) => ({ path: f.pointer, message: f.message, fix: f.fix, rule: f.rule }));
}

function fromProblem(p: PluginProblem): Finding {
  const rule = (p.rule && p.rule in LINT_RULES ? p.rule : 'manifest/schema') as RuleId;
  return finding(rule, p.path, p.message, p.fix);
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function labelOf(raw: unknown, dir: string): string {
  const pkg = raw as { name?: unknown; version?: unknown } | undefined;
  return typeof pkg?.name === 'string' ? `${pkg.name}@${typeof pkg.version === 'string' ? pkg.version : '?'}` : dir;
}

const MP = '/contributes/marketplace';

// ---------------------------------------------------------------------------------------------
// Manifest rules (run at load too)
// ---------------------------------------------------------------------------------------------

function manifestFindings(manifest: PluginManifest): Finding[] {
  const mp = manifest.contributes.marketplace;
  return [...settingsFindings(mp.settings), ...hostFindings(mp.allowedHosts), ...mappingFindings(manifest), ...limitFindings(manifest)];
}

interface SettingsSchema {
  properties?: Record<string, { type?: unknown; default?: unknown; 'x-secret'?: boolean }>;
}

function settingsFindings(settings: Record<string, unknown> | undefined): Finding[] {
  const out: Finding[] = [];
  const properties = (settings as SettingsSchema | undefined)?.properties ?? {};
  for (const [name, p] of Object.entries(properties)) {
    if (p?.['x-secret'] === true && p.default !== undefined) {
      out.push(finding('settings/secret-default', `${MP}/settings/properties/${escapePointer(name)}/default`, `secret "${name}" has a default value, published with the plugin`, 'remove the default: each integration sets its own secret'));
    }
  }
  if (!Object.hasOwn(properties, 'apiBaseUrl')) {
    out.push(
      finding(
        'settings/api-base-url',
        `${MP}/settings`,
        'declares no "apiBaseUrl" setting',
        'add { "apiBaseUrl": { "type": "string", "format": "uri", "default": "https://api.<marketplace>" } } and make requests relative to it (the host of an operator\'s apiBaseUrl is allowed too)',
      ),
    );
  }
  return out;
}

/** Two-label public suffixes common for the marketplaces Connector serves: `*.com.br` is as broad as `*.com`. */
const BROAD_SUFFIXES = new Set(['com.br', 'com.mx', 'com.ar', 'com.co', 'co.uk', 'com.au', 'co.jp', 'net.br', 'org.br']);

function hostFindings(hosts: string[]): Finding[] {
  const out: Finding[] = [];
  if (!hosts.length) out.push(finding('hosts/empty', `${MP}/allowedHosts`, 'allows no host', 'list the marketplace API host(s), e.g. "api.example.com"'));
  hosts.forEach((host, i) => {
    if (host.startsWith('*.')) {
      const suffix = host.slice(2);
      if (!suffix.includes('.') || BROAD_SUFFIXES.has(suffix)) {
        out.push(finding('hosts/wildcard', `${MP}/allowedHosts/${i}`, `"${host}" allows every host under .${suffix}`, 'name the marketplace\'s own domain, e.g. "*.example.com.br" or "api.example.com"'));
      }
    }
    if (host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1') {
      out.push(finding('hosts/loopback', `${MP}/allowedHosts/${i}`, `"${host}" is a loopback host`, 'remove it; a test points the integration\'s apiBaseUrl at its fake, whose host is allowed with it'));
    }
  });
  return out;
}

// ---- the mapping table and the rules ----

function mappingFindings(manifest: PluginManifest): Finding[] {
  const mp = manifest.contributes.marketplace;
  const out: Finding[] = [];
  const rows = mp.fieldMappings ?? [];
  const { problems } = compileMapping(mp.fieldMappings, { marketplace: mp.id, displayName: mp.displayName });
  for (const p of problems) {
    if (p.path === `${MP}/fieldMappings` && !rows.length) {
      out.push(finding('mapping/missing', p.path, 'has no rows', 'add one row per marketplace field: the core builds the payload only from this table'));
    } else if (/\/target$/.test(p.path) && p.message.includes('overlaps')) {
      out.push(finding('mapping/target-overlap', p.path, p.message, 'write each payload path from one row (group sub-fields under distinct targets such as "attributes.BRAND" and "attributes.GTIN")'));
    } else if (/\/transform\/\d+$/.test(p.path) && !p.message.startsWith('must be')) {
      out.push(finding('mapping/transform-args', p.path, p.message, 'give the op the arguments docs/plugin-authoring.md lists for it'));
    } else {
      out.push(finding('mapping/row', p.path, p.message, 'correct the row (see "The field-mapping table" in docs/plugin-authoring.md)'));
    }
  }
  const settings = mp.settings as (SettingsSchema & Record<string, unknown>) | undefined;
  const context = mappingContextSchema(settings ? closeObject(settings) : { type: 'object', properties: {}, additionalProperties: false });
  const secrets = new Set(Object.entries(settings?.properties ?? {}).filter(([, p]) => p?.['x-secret'] === true).map(([k]) => k));
  const declared = new Map((mp.transforms ?? []).map((t, i) => [t.op, i]));
  const used = new Set<string>();
  rows.forEach((row, i) => {
    if (!row || typeof row !== 'object') return;
    const at = `${MP}/fieldMappings/${i}`;
    const paths: Array<{ path: string; pointer: string }> = [];
    if (typeof row.source === 'string') paths.push({ path: row.source, pointer: `${at}/source` });
    (Array.isArray(row.transform) ? row.transform : []).forEach((step, j) => {
      if (!step || typeof step.op !== 'string') return;
      used.add(step.op);
      const sp = `${at}/transform/${j}`;
      if (step.op === 'coalesce' && Array.isArray(step.sources)) (step.sources as unknown[]).forEach((s, k) => typeof s === 'string' && paths.push({ path: s, pointer: `${sp}/sources/${k}` }));
      if (step.op === 'template' && typeof step.template === 'string') {
        try {
          for (const p of parseTemplate(step.template)) if (p.path !== 'value') paths.push({ path: p.raw.slice(1, -1).trim(), pointer: `${sp}/template` });
        } catch {
          // reported by compileMapping (mapping/transform-args)
        }
      }
      if (!Object.hasOwn(CORE_TRANSFORMS, step.op) && !declared.has(step.op)) {
        const near = closest(step.op, Object.keys(CORE_TRANSFORMS));
        out.push(
          finding(
            'mapping/transform-undeclared',
            `${sp}/op`,
            `"${step.op}" is not a core transformation${near ? ` (did you mean "${near}"?)` : ''}, nor declared in ${MP}/transforms`,
            near
              ? `write "${near}", or declare "${step.op}" in contributes.marketplace.transforms and implement it in the plugin's transform handler`
              : `declare "${step.op}" in contributes.marketplace.transforms and implement it in the plugin's transform handler`,
          ),
        );
      }
    });
    for (const { path, pointer } of paths) {
      let parsed: ParsedPath;
      try {
        parsed = parsePath(path);
      } catch {
        continue; // mapping/row or mapping/transform-args says why
      }
      const first = parsed[0];
      if (first?.kind === 'prop' && first.name === 'settings' && parsed[1]?.kind === 'prop' && secrets.has(parsed[1].name)) {
        out.push(finding('mapping/secret-source', pointer, `reads secret setting "${parsed[1].name}", which never reaches the mapping`, 'map a non-secret setting, or let the plugin add the value in its handler'));
        continue;
      }
      const problem = schemaProblem(context, parsed);
      if (problem) out.push(finding('mapping/source-unknown', pointer, `"${path}": ${problem.message}`, problem.fix));
    }
    const root = typeof row.source === 'string' ? row.source.split(/[.[]/)[0] : undefined;
    const api = root ? SOURCE_APIS[root] : undefined;
    if (api && typeof row.vtexApi === 'string' && !row.vtexApi.includes(api)) {
      out.push(finding('mapping/vtex-api', `${at}/vtexApi`, `is "${row.vtexApi}", but ${row.source} is read from ${api}`, `write "${api}"`));
    }
  });
  for (const [op, i] of declared) {
    if (!used.has(op)) out.push(finding('mapping/transform-unused', `${MP}/transforms/${i}`, `"${op}" is used by no row`, 'remove the declaration, or use the op in a row'));
  }
  const sources = rows.flatMap((r) => [r?.source, ...(r?.transform ?? []).flatMap((s) => (s?.op === 'coalesce' && Array.isArray(s.sources) ? (s.sources as string[]) : []))]).filter((s): s is string => typeof s === 'string');
  if (rows.length && !sources.some((s) => /^offer\.(price|sellingPrice|listPrice)\b/.test(s))) {
    out.push(finding('mapping/price-unmapped', `${MP}/fieldMappings`, 'no row reads the price', 'add a row with "source": "offer.sellingPrice" (cents; "transform": [{ "op": "centsToDecimal" }] for decimals)'));
  }
  if (rows.length && !sources.some((s) => /^offer\.stock\b/.test(s))) {
    out.push(finding('mapping/stock-unmapped', `${MP}/fieldMappings`, 'no row reads the stock', 'add a row with "source": "offer.stock"'));
  }
  out.push(...ruleFindings(mp.registrationRules ?? [], rows));
  return out;
}

/** The settings schema as the source check sees it: only the declared properties exist. */
function closeObject(schema: Record<string, unknown>): Record<string, unknown> {
  return { ...schema, additionalProperties: false };
}

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
}

const SCALARS = ['string', 'number', 'integer', 'boolean', 'null'];
const isScalar = (n: SchemaNode) => n.type !== undefined && [n.type].flat().every((t) => SCALARS.includes(t));
const isList = (n: SchemaNode) => n.items !== undefined || n.type === 'array' || (Array.isArray(n.type) && n.type.includes('array'));

/** Walks a source path through the mapping context schema; a problem when a step names nothing the schema has. */
function schemaProblem(root: Record<string, unknown>, path: ParsedPath): { message: string; fix: string } | undefined {
  let node = root as SchemaNode;
  const seen: string[] = [];
  for (const step of path) {
    const open = !node.properties && !node.items && node.additionalProperties === undefined && !node.type;
    if (open) return undefined; // free-form (e.g. KitItems entries): nothing to check deeper
    if (step.kind === 'prop') {
      const props = node.properties ?? {};
      if (Object.hasOwn(props, step.name)) node = props[step.name];
      else if (node.additionalProperties && typeof node.additionalProperties === 'object') node = node.additionalProperties;
      else if (node.additionalProperties === true || (!node.properties && node.additionalProperties === undefined && !isList(node) && !isScalar(node))) return undefined;
      else {
        if (isScalar(node)) return { message: `${seen.join('.')} is a ${String(node.type)}: it has no "${step.name}"`, fix: `read ${seen.join('.')} itself` };
        const where = seen.length ? seen.join('.') : 'the mapping context';
        const known = Object.keys(props);
        if (isList(node)) return { message: `${where} is a list: "${step.name}" needs an index first`, fix: `write ${where}[0].${step.name} (the first) or ${where}[*].${step.name} (every one)` };
        const near = closest(step.name, known);
        return {
          message: `${where} has no "${step.name}"${near ? ` (did you mean "${near}"?)` : ''}`,
          fix: near ? `write ${[...seen, near].join('.')}` : `use one of: ${known.join(', ')} (core/schema/mapping-context.schema.json)`,
        };
      }
      seen.push(step.name);
    } else {
      if (!isList(node)) return { message: `${seen.join('.')} is not a list`, fix: `remove the [${step.kind === 'index' ? step.index : step.kind === 'all' ? '*' : '…'}]` };
      node = node.items ?? {};
      if (step.kind === 'where' && node.properties && !Object.hasOwn(node.properties, step.field)) {
        return { message: `the entries of ${seen.join('.')} have no "${step.field}" to filter on`, fix: `filter on one of: ${Object.keys(node.properties).join(', ')}` };
      }
      seen[seen.length - 1] += step.kind === 'index' ? `[${step.index}]` : step.kind === 'all' ? '[*]' : `[${step.field}=${step.value}]`;
    }
  }
  return undefined;
}

const overlaps = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);

function ruleFindings(rules: RegistrationRule[], rows: FieldMappingRow[]): Finding[] {
  const out: Finding[] = [];
  const at = (i: number) => `${MP}/registrationRules/${i}`;
  const { rules: compiled, problems } = compileRules(rules);
  for (const p of problems) out.push(finding('rules/invalid', p.path, p.message, 'correct the rule (see "Registration rules" in docs/plugin-authoring.md)'));
  const targets = rows.map((r) => r?.target).filter((t): t is string => typeof t === 'string');
  const seen = new Map<string, number>();
  rules.forEach((r, i) => {
    if (!r || typeof r.field !== 'string') return;
    const key = `${r.field}\0${r.rule}\0${JSON.stringify(r.value)}`;
    if (seen.has(key)) out.push(finding('rules/duplicate', at(i), `repeats rule ${seen.get(key)} (${r.rule} on ${r.field})`, 'remove one of the two'));
    else seen.set(key, i);
    if (targets.some((t) => overlaps(t, r.field))) return;
    const alwaysFails = r.rule === 'required' || (r.rule === 'minItems' && typeof r.value === 'number' && r.value >= 1);
    if (alwaysFails) {
      out.push(finding('mapping/required-field-unmapped', `${at(i)}/field`, `"${r.field}" must be filled (${r.rule}), but no fieldMappings row writes it`, `add a row with "target": "${r.field}" (with a default when VTEX may leave it empty)`));
    } else {
      out.push(finding('rules/field-unmapped', `${at(i)}/field`, `"${r.field}" is written by no fieldMappings row, so this rule never sees a value`, `add a row with "target": "${r.field}", or correct the field name (targets: ${targets.join(', ') || 'none'})`));
    }
  });
  // Contradictions: a minimum above a maximum on the same field.
  const pairs = [['minLength', 'maxLength'], ['minItems', 'maxItems'], ['min', 'max']] as const;
  for (const [lo, hi] of pairs) {
    rules.forEach((a, i) => {
      const low = a?.value;
      if (a?.rule !== lo || typeof low !== 'number') return;
      rules.forEach((b, j) => {
        if (b?.rule === hi && b.field === a.field && typeof b.value === 'number' && low > b.value) {
          out.push(finding('rules/contradiction', `${at(i)}/value`, `${lo} ${a.value} on "${a.field}" is above rule ${j}'s ${hi} ${b.value}: no value passes both`, `lower the ${lo} or raise the ${hi}`));
        }
      });
    });
  }
  // A value the table writes by itself (`const`, or a `default` for empty VTEX fields) must pass the rules on its field.
  rows.forEach((row, i) => {
    const steps = Array.isArray(row?.transform) ? row.transform : [];
    const last = steps[steps.length - 1];
    if (!last || (last.op !== 'const' && last.op !== 'default') || typeof row.target !== 'string') return;
    const on = compiled.rules.filter((c) => c.rule.field === row.target);
    if (!on.length) return;
    const payload: Record<string, unknown> = {};
    let node = payload;
    const segs = row.target.split('.');
    segs.slice(0, -1).forEach((s) => (node = (node[s] = {}) as Record<string, unknown>));
    node[segs[segs.length - 1]] = last.value;
    const broken = new CompiledRules(on).check(payload);
    for (const fix of broken) {
      const ruleIndex = rules.findIndex((r) => r.field === fix.field && r.rule === fix.rule);
      out.push(
        finding(
          'rules/default-breaks-rule',
          `${MP}/fieldMappings/${i}/transform/${steps.length - 1}/value`,
          `${last.op} ${JSON.stringify(last.value)} breaks rule ${ruleIndex} (${fix.rule} on "${fix.field}")`,
          `give the ${last.op} a value the rule accepts, or correct rule ${ruleIndex}`,
        ),
      );
    }
  });
  return out;
}

// ---- limits and capabilities ----

/** The operations the core calls through its rate budget, per mode (delivery, lots, reconciliation, auth). */
const OPERATIONS = {
  item: ['publish', 'update', 'deactivate', 'delete', 'fetchRemoteState', 'refreshAuth'],
  feed: ['submitFeed', 'submitFeed.product', 'submitFeed.offer', 'submitFeed.upsert', 'checkFeed', 'fetchRemoteState', 'refreshAuth'],
} as const;

/** A feed plugin with `perItemBelow` also has its small lots sent through the item handlers, on their budgets. */
const operationsOf = (mode: 'item' | 'feed', perItemBelow: number | undefined): readonly string[] =>
  mode === 'feed' && perItemBelow ? [...OPERATIONS.feed, ...OPERATIONS.item.filter((o) => !(OPERATIONS.feed as readonly string[]).includes(o))] : OPERATIONS[mode];

function limitFindings(manifest: PluginManifest): Finding[] {
  const mp = manifest.contributes.marketplace;
  const out: Finding[] = [];
  const limits = mp.limits;
  const mode = mp.capabilities?.mode ?? 'item';
  if (limits) {
    for (const p of validateLimits(limits, `${MP}/limits`)) out.push(finding('limits/invalid', p.path, p.message, 'see core/schema/limits.schema.json'));
  }
  const rate = limits?.rate ?? {};
  if (!Object.keys(rate).length) {
    out.push(finding('limits/rate-missing', `${MP}/limits`, 'declares no rate limit', 'declare the marketplace\'s documented rate, e.g. "limits": { "rate": { "default": { "perSecond": 5, "burst": 10 } } }'));
  }
  const known = operationsOf(mode, mp.capabilities?.perItemBelow);
  for (const operation of Object.keys(rate)) {
    if (operation === 'default' || known.includes(operation)) continue;
    out.push(
      finding(
        'limits/unknown-operation',
        `${MP}/limits/rate/${escapePointer(operation)}`,
        `"${operation}" is not an operation the core calls for ${mode === 'item' ? 'an item' : 'a feed'} plugin`,
        `use "default" or one of ${known.join(', ')}`,
      ),
    );
  }
  if (mode === 'feed' && limits?.batch?.maxItems === undefined) {
    out.push(finding('limits/feed-batch', `${MP}/limits/batch`, 'declares no maxItems for lots', 'declare the marketplace\'s documented lot size: "batch": { "maxItems": …, "maxBytes": …, "maxWaitMs": … }'));
  }
  if (!mp.capabilities) {
    out.push(finding('capabilities/missing', `${MP}/capabilities`, 'is not declared', 'declare { "mode": "item" | "feed", "canDeactivate": …, "needsProductBeforeOffer": … }'));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Package rules (connector plugin validate only)
// ---------------------------------------------------------------------------------------------

function packageFindings(raw: unknown, dir: string): Finding[] {
  const out: Finding[] = [];
  const pkg = (raw && typeof raw === 'object' ? raw : {}) as { keywords?: unknown; files?: unknown; main?: unknown };
  if (!(Array.isArray(pkg.keywords) && pkg.keywords.includes(PLUGIN_KEYWORD))) {
    out.push(finding('package/keyword', '/keywords', `has no "${PLUGIN_KEYWORD}"`, `add "keywords": ["${PLUGIN_KEYWORD}"]`));
  }
  if (Array.isArray(pkg.files) && typeof pkg.main === 'string') {
    const main = normalize(relative(dir, join(dir, pkg.main)));
    const included = (pkg.files as unknown[]).some((f) => {
      if (typeof f !== 'string') return false;
      const entry = normalize(f.replace(/\/\*\*?(\/\*)?$/, '').replace(/\/$/, ''));
      return entry === '.' || main === entry || main.startsWith(`${entry}/`) || (entry.includes('*') && new RegExp(`^${entry.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(main));
    });
    if (!included) out.push(finding('package/files', '/files', `does not include main ("${pkg.main}")`, `add "${main.split('/')[0]}" to "files"`));
  }
  return out;
}

function readmeFindings(readme: string | undefined, manifest: PluginManifest): Finding[] {
  if (readme === undefined) return [finding('readme/missing', '', 'the plugin has no README.md', 'run `connector plugin docs` to write one with the generated sections')];
  const out: Finding[] = [];
  const present = readmeSections(readme);
  for (const section of README_SECTIONS) {
    const content = present.get(section);
    if (content === undefined) {
      out.push(
        section === 'mapping-table'
          ? finding('readme/mapping-table', SECTION_SOURCES[section], 'README.md has no generated field-mapping table', 'run `connector plugin docs` (it adds the table between <!-- mapping-table:start --> and <!-- mapping-table:end -->)')
          : finding('readme/section-missing', SECTION_SOURCES[section], `README.md has no generated "${section}" section`, `run \`connector plugin docs\` (it adds it between <!-- ${section}:start --> and <!-- ${section}:end -->)`),
      );
    } else if (content !== renderSection(section, manifest)) {
      out.push(finding('readme/stale', SECTION_SOURCES[section], `README.md's "${section}" section is not the one package.json generates`, 'run `connector plugin docs`'));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/** The closest candidate within a small edit distance (case-insensitive), for "did you mean". */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

