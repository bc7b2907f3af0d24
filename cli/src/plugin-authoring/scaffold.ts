/**
 * `connector plugin new`: copies plugin-template/ (the Vendora Market example, item or feed style),
 * renames it to the new marketplace, pins it to this core's plugin API, links the core and writes
 * its README's generated sections. Inside the Connector repository it becomes a workspace package
 * (plugins/<id>); anywhere else a standalone package that depends on the core by version — or, when
 * this core runs from a checkout rather than an npm install, on that checkout (`file:`).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Errors, updateReadme, type PluginManifest } from '@connector/core';
import { PLUGIN_API_VERSION } from '@connector/core/plugin';

export type PluginStyle = 'item' | 'feed';

export interface ScaffoldOptions {
  id: string;
  /** Target folder (default: plugins/<id> inside the Connector repository, ./<id> elsewhere). */
  dir?: string;
  displayName?: string;
  style?: PluginStyle;
  /** Where the command runs (default: process.cwd()). */
  cwd?: string;
}

export interface ScaffoldResult {
  dir: string;
  id: string;
  displayName: string;
  packageName: string;
  style: PluginStyle;
  /** The Connector repository it was added to as a workspace, if any. */
  workspaceRoot?: string;
  /** How the package depends on the core: a version, or `file:` a local checkout. */
  coreDependency: string;
  files: string[];
}

/** The template's own names, replaced in file names and contents (longest first). */
const TEMPLATE = { displayName: 'Vendora Market', pascal: 'Vendora', upper: 'VENDORA', id: 'vendora' };
/** Same rule as the manifest schema's marketplace id. */
export const PLUGIN_ID = /^[a-z][a-z0-9-]{1,39}$/;
const SKIP = new Set(['node_modules', 'dist', 'styles', 'package-lock.json', 'coverage']);

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** plugin-template/ next to the CLI: in the repository (cli/dist/… → ../../..), or packed into @connector/cli. */
export function templateDir(): string {
  for (const candidate of [resolve(here, '../../../plugin-template'), resolve(here, '../../plugin-template')]) {
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  throw new Error('plugin-template/ not found next to the connector CLI (a broken install?)');
}

interface CorePackage {
  dir: string;
  version: string;
  /** Installed from the registry (inside node_modules) rather than a checkout. */
  installed: boolean;
}

function corePackage(): CorePackage {
  const file = realpathSync(require.resolve('@connector/core/package.json'));
  const dir = dirname(file);
  return { dir, version: (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version, installed: dir.split(sep).includes('node_modules') };
}

function cliVersion(): string {
  return (JSON.parse(readFileSync(resolve(here, '../../package.json'), 'utf8')) as { version: string }).version;
}

/** The Connector repository containing `from` (its root package.json has `plugins/*` workspaces and core/), if any. */
export function connectorRepoOf(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const pkg = readJson(join(dir, 'package.json')) as { workspaces?: unknown } | undefined;
    if (Array.isArray(pkg?.workspaces) && pkg.workspaces.includes('plugins/*') && (readJson(join(dir, 'core/package.json')) as { name?: string } | undefined)?.name === '@connector/core') return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const words = (id: string) => id.split('-').filter(Boolean);
const pascal = (id: string) => words(id).map((w) => w[0].toUpperCase() + w.slice(1)).join('');

function rename(text: string, id: string, displayName: string): string {
  return text
    .split(TEMPLATE.displayName)
    .join(displayName)
    .split(TEMPLATE.pascal)
    .join(pascal(id))
    .split(TEMPLATE.upper)
    .join(id.toUpperCase().replace(/-/g, '_'))
    .split(TEMPLATE.id)
    .join(id);
}

function listFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(root, path);
    return [relative(root, path)];
  });
}

function mergeDeep(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    // Objects merge key by key, except the ones a style replaces whole (capabilities, limits).
    if (value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current) && key !== 'limits' && key !== 'capabilities') {
      mergeDeep(current as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      target[key] = structuredClone(value);
    }
  }
  return target;
}

export function scaffoldPlugin(options: ScaffoldOptions): ScaffoldResult {
  const { id } = options;
  const style = options.style ?? 'item';
  const cwd = resolve(options.cwd ?? process.cwd());
  if (typeof id !== 'string' || !PLUGIN_ID.test(id)) {
    throw Errors.invalidArgument('id', `"${String(id)}" is not a marketplace id: use 2–40 lowercase letters, digits and dashes, starting with a letter (e.g. "acme" or "acme-shop")`);
  }
  if (style !== 'item' && style !== 'feed') throw Errors.invalidArgument('--style', `"${String(style)}" is not a style: use item (one call per item) or feed (lots)`);
  const repo = connectorRepoOf(cwd);
  const dir = resolve(cwd, options.dir ?? (repo ? join(repo, 'plugins', id) : id));
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
    throw Errors.invalidArgument('--dir', `${dir} is not an empty folder: choose another --dir, or remove what is there`);
  }
  const workspaceRoot = repo && dirname(dir) === join(repo, 'plugins') ? repo : undefined;
  const displayName = options.displayName?.trim() || words(id).map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');

  // Copy, with the style's files over the template's, then rename names and contents.
  const template = templateDir();
  // Assembled in a temporary folder (never where discovery could see a half-made plugin), then copied into place.
  const staging = mkdtempSync(join(tmpdir(), 'connector-plugin-new-'));
  try {
    cpSync(template, staging, { recursive: true, filter: (src) => !SKIP.has(basename(src)) && !src.endsWith('.tsbuildinfo') && !basename(src).endsWith('.tgz') });
    const styleDir = join(template, 'styles', style);
    let manifestPatch: Record<string, unknown> | undefined;
    if (existsSync(styleDir)) {
      for (const file of listFiles(styleDir)) {
        if (file === 'manifest.json') manifestPatch = JSON.parse(readFileSync(join(styleDir, file), 'utf8')) as Record<string, unknown>;
        else cpSync(join(styleDir, file), join(staging, file));
      }
    }
    // npm leaves .gitignore out of packages: a packed template carries it as `gitignore`.
    if (existsSync(join(staging, 'gitignore'))) renameSync(join(staging, 'gitignore'), join(staging, '.gitignore'));
    const files = listFiles(staging);
    for (const file of files) {
      const text = rename(readFileSync(join(staging, file), 'utf8'), id, displayName);
      const target = join(staging, rename(file, id, displayName));
      if (target !== join(staging, file)) rmSync(join(staging, file));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }

    const core = corePackage();
    const pkgFile = join(staging, 'package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as Record<string, unknown> & PluginManifest & {
      scripts: Record<string, string>;
      peerDependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    if (manifestPatch) mergeDeep(pkg, JSON.parse(rename(JSON.stringify(manifestPatch), id, displayName)) as Record<string, unknown>);
    pkg.name = workspaceRoot ? `@connector/plugin-${id}` : `connector-plugin-${id}`;
    pkg.version = '0.1.0';
    pkg.engines = { ...pkg.engines, connector: `^${PLUGIN_API_VERSION}` };
    pkg.peerDependencies['@connector/core'] = `^${core.version}`;
    let coreDependency: string;
    if (workspaceRoot || core.installed) {
      coreDependency = core.version;
      pkg.devDependencies['@connector/core'] = core.version;
      pkg.devDependencies['@connector/cli'] = cliVersion();
    } else {
      // A core run from a checkout is not on the registry: link it (npm links file: folders, it does not copy them).
      coreDependency = `file:${core.dir}`;
      pkg.devDependencies['@connector/core'] = coreDependency;
      pkg.devDependencies['@connector/cli'] = `file:${resolve(core.dir, '../cli')}`;
    }
    if (workspaceRoot) {
      // A workspace package: built by the repository's `tsc -b`, against core's sources (project references).
      pkg.scripts.build = 'tsc -b';
      delete pkg.scripts.prepare;
      writeFileSync(
        join(staging, 'tsconfig.json'),
        `${JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { rootDir: 'src', outDir: 'dist' }, include: ['src'], references: [{ path: '../../core' }] }, null, 2)}\n`,
      );
    }
    writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
    const readmeFile = join(staging, 'README.md');
    writeFileSync(readmeFile, updateReadme(existsSync(readmeFile) ? readFileSync(readmeFile, 'utf8') : undefined, pkg).text);

    // Into place only once complete: a failure above leaves nothing behind.
    mkdirSync(dir, { recursive: true });
    cpSync(staging, dir, { recursive: true });
    if (workspaceRoot) addReference(workspaceRoot, id);
    return { dir, id, displayName, packageName: pkg.name, style, ...(workspaceRoot ? { workspaceRoot } : {}), coreDependency, files: listFiles(dir).sort() };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

const REFERENCE = /^\s*\{ "path": "plugins\/[^"]+" \},?\s*$/;
const referenceLine = (id: string) => `    { "path": "plugins/${id}" },`;

/**
 * The repository's tsconfig.json references every package `tsc -b` builds: the new plugin's goes
 * after the last plugin's line, in the file's own format (one reference per line).
 */
function addReference(repo: string, id: string) {
  const file = join(repo, 'tsconfig.json');
  const text = readFileSync(file, 'utf8');
  const config = JSON.parse(text) as { references?: Array<{ path: string }> };
  if ((config.references ?? []).some((r) => r.path === `plugins/${id}`)) return;
  const lines = text.split('\n');
  const last = lines.findLastIndex((l) => REFERENCE.test(l));
  if (last < 0) throw new Error(`cannot find where to add plugins/${id} in ${file}: add { "path": "plugins/${id}" } to its references`);
  const lastHasComma = lines[last].trimEnd().endsWith(',');
  if (!lastHasComma) lines[last] = `${lines[last].trimEnd()},`;
  lines.splice(last + 1, 0, lastHasComma ? referenceLine(id) : referenceLine(id).replace(/,$/, ''));
  writeFileSync(file, lines.join('\n'));
}

/** Undoes addReference (the in-repo test generates a plugin and removes it afterwards). */
export function removeReference(repo: string, id: string) {
  const file = join(repo, 'tsconfig.json');
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.trim().replace(/,$/, '') === referenceLine(id).trim().replace(/,$/, ''));
  if (at < 0) return;
  const wasLast = !lines[at].trimEnd().endsWith(',');
  lines.splice(at, 1);
  if (wasLast && at > 0) lines[at - 1] = lines[at - 1].replace(/,(\s*)$/, '$1');
  writeFileSync(file, lines.join('\n'));
}
