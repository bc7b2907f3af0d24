import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Errors, type ConnectorError } from '../errors/errors.js';
import type { DiscoveredPlugin, PluginManifest, PluginSource } from './manifest.js';
import type { PluginProblem } from './manifest-validation.js';
import { lintManifest, toProblems } from './lint/lint.js';

/** The keyword an npm package carries to be found as a plugin. */
export const PLUGIN_KEYWORD = 'connector-plugin';

/** The repository's own plugins/ folder, when the core runs from a checkout. */
const CORE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const REPO_PLUGINS = resolve(CORE_ROOT, '../plugins');

export interface DiscoveryOptions {
  /** Paths named in the config (`plugins.paths`): a plugin folder or a folder of plugin folders. */
  configPaths: string[];
  /** Folders whose sub-folders are plugins (default: `./plugins` and the repository's plugins/). */
  pluginFolders?: string[];
  /** Folders to search for node_modules (default: the working directory and the core's install, upwards). */
  npmFrom?: string[];
  /** Plugin API version to check `engines.connector` against (tests). */
  apiVersion?: string;
}

/** A plugin that was found but not loaded, and why. */
export interface RefusedPlugin {
  dir: string;
  source: PluginSource;
  /** `name@version` when the manifest says so, else the folder. */
  label: string;
  /** The marketplace it claims to provide, when readable. */
  marketplace?: string;
  error: ConnectorError;
  problems: PluginProblem[];
}

export interface DiscoveryResult {
  plugins: Map<string, DiscoveredPlugin>;
  refused: RefusedPlugin[];
  /** Every place looked in, for "not found" messages. */
  searched: string[];
}

interface Candidate {
  dir: string;
  source: PluginSource;
}

/**
 * Finds plugins — in the config's paths, in plugins/ folders and in installed npm packages with the
 * keyword `connector-plugin` — and validates each manifest without running any plugin code. An
 * invalid manifest, an incompatible `engines.connector` or a duplicate marketplace id refuses that
 * plugin only; the others load. First found wins on duplicates: config paths, then plugin folders,
 * then npm packages (an operator's explicit path beats what happens to be installed).
 */
export function discoverPlugins(options: DiscoveryOptions): DiscoveryResult {
  const searched: string[] = [];
  const candidates = [
    ...options.configPaths.flatMap((p) => fromPath(p, 'config', searched, false)),
    ...(options.pluginFolders ?? [resolve('plugins'), REPO_PLUGINS]).flatMap((p) => fromPath(p, 'plugins-folder', searched, true)),
    ...npmCandidates(options.npmFrom ?? [process.cwd(), CORE_ROOT], searched),
  ];

  const plugins = new Map<string, DiscoveredPlugin>();
  const refused: RefusedPlugin[] = [];
  const seenDirs = new Set<string>();
  for (const candidate of candidates) {
    const real = realpath(candidate.dir);
    if (seenDirs.has(real)) continue; // the same package reached twice (a workspace symlink in node_modules)
    seenDirs.add(real);

    const read = readPackage(candidate.dir);
    if (!read.ok) {
      refused.push(refusal(candidate, candidate.dir, undefined, Errors.pluginInvalid(candidate.dir, read.problems), read.problems));
      continue;
    }
    const raw = read.value;
    const label = labelOf(raw, candidate.dir);
    const marketplace = claimedMarketplace(raw);
    // The validation rules of `connector plugin validate` (manifest scope): errors refuse the plugin, warnings travel with it.
    const report = lintManifest(raw, candidate.dir, { apiVersion: options.apiVersion, scope: 'load' });
    const verdict = report.verdict;
    if (!verdict.ok) {
      const problems = toProblems(report.findings.filter((f) => f.severity === 'error'));
      const error = verdict.kind === 'incompatible' ? Errors.pluginIncompatible(label, problems) : Errors.pluginInvalid(label, problems);
      refused.push(refusal(candidate, label, marketplace, error, problems));
      continue;
    }
    const warnings = toProblems(report.findings.filter((f) => f.severity === 'warning'));
    const id = verdict.manifest.contributes.marketplace.id;
    const first = plugins.get(id);
    if (first) {
      const problems: PluginProblem[] = [{
        path: '/contributes/marketplace/id',
        message: `"${id}" is already provided by ${first.manifest.name}@${first.manifest.version} (${first.dir}, found first)`,
        fix: 'remove one of the two plugins, or give this one a different marketplace id',
      }];
      refused.push(refusal(candidate, label, id, Errors.pluginDuplicate(label, problems), problems));
      continue;
    }
    plugins.set(id, { dir: candidate.dir, source: candidate.source, manifest: verdict.manifest, ...(warnings.length ? { warnings } : {}) });
  }
  return { plugins, refused, searched };
}

function refusal(candidate: Candidate, label: string, marketplace: string | undefined, error: ConnectorError, problems: PluginProblem[]): RefusedPlugin {
  return { dir: candidate.dir, source: candidate.source, label, marketplace, error, problems };
}

/**
 * A path is a plugin folder (it has a package.json) or a folder of them. Under a plugins/ folder a
 * package only counts when it looks like a plugin (contributes something, or has the keyword), so a
 * shared helper package there is not reported as a broken plugin; a config path is always a plugin.
 */
function fromPath(path: string, source: PluginSource, searched: string[], onlyPluginLike: boolean): Candidate[] {
  if (!existsSync(path)) return [];
  searched.push(path);
  if (existsSync(join(path, 'package.json'))) return [{ dir: path, source }];
  if (!isDirectory(path)) return [];
  return readdirSync(path, { withFileTypes: true })
    .filter((d) => (d.isDirectory() || d.isSymbolicLink()) && existsSync(join(path, d.name, 'package.json')))
    .map((d) => join(path, d.name))
    .filter((dir) => source === 'config' || !onlyPluginLike || looksLikePlugin(dir))
    .sort()
    .map((dir) => ({ dir, source }));
}

/** Installed packages (node_modules of every folder from `from` upwards) with the `connector-plugin` keyword. */
function npmCandidates(from: string[], searched: string[]): Candidate[] {
  const roots: string[] = [];
  for (const start of from) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      const nm = join(dir, 'node_modules');
      if (!roots.includes(nm) && isDirectory(nm)) roots.push(nm);
      if (dirname(dir) === dir) break;
    }
  }
  const found: Candidate[] = [];
  for (const root of roots) {
    searched.push(`${root} (keyword ${PLUGIN_KEYWORD})`);
    for (const entry of safeReaddir(root)) {
      if (entry.startsWith('.')) continue;
      const dirs = entry.startsWith('@') ? safeReaddir(join(root, entry)).map((e) => join(root, entry, e)) : [join(root, entry)];
      for (const dir of dirs) {
        const keywords = (readJson(join(dir, 'package.json')) as { keywords?: unknown } | undefined)?.keywords;
        if (Array.isArray(keywords) && keywords.includes(PLUGIN_KEYWORD)) found.push({ dir, source: 'npm' });
      }
    }
  }
  return found;
}

function looksLikePlugin(dir: string): boolean {
  const pkg = readJson(join(dir, 'package.json')) as { contributes?: unknown; keywords?: unknown } | undefined;
  return !!pkg && (pkg.contributes !== undefined || (Array.isArray(pkg.keywords) && pkg.keywords.includes(PLUGIN_KEYWORD)));
}

function readPackage(dir: string): { ok: true; value: unknown } | { ok: false; problems: PluginProblem[] } {
  try {
    return { ok: true, value: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) };
  } catch (error) {
    return { ok: false, problems: [{ path: '', message: `package.json cannot be read: ${(error as Error).message}`, fix: 'make package.json valid JSON' }] };
  }
}

function labelOf(raw: unknown, dir: string): string {
  const pkg = raw as Partial<PluginManifest> | undefined;
  return typeof pkg?.name === 'string' ? `${pkg.name}@${typeof pkg.version === 'string' ? pkg.version : '?'}` : dir;
}

function claimedMarketplace(raw: unknown): string | undefined {
  const id = (raw as { contributes?: { marketplace?: { id?: unknown } } } | undefined)?.contributes?.marketplace?.id;
  return typeof id === 'string' ? id : undefined;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function realpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
