import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { Errors, lintPlugin, updateReadme, type LintReport, type PluginManifest } from '@connector/core';

interface ValidateArgs {
  dir: string;
  json: boolean;
  strict: boolean;
}

/** The report as `--json` prints it (for CI): stable keys, one entry per finding. */
export function reportJson(report: LintReport, strict: boolean) {
  const [name, version] = report.label.includes('@', 1) ? [report.label.slice(0, report.label.lastIndexOf('@')), report.label.slice(report.label.lastIndexOf('@') + 1)] : [undefined, undefined];
  return {
    plugin: { name, version, dir: report.dir },
    ok: report.errors === 0 && (!strict || report.warnings === 0),
    errors: report.errors,
    warnings: report.warnings,
    findings: report.findings.map((f) => ({ rule: f.rule, severity: f.severity, pointer: f.pointer, message: f.message, fix: f.fix })),
  };
}

function printReport(report: LintReport, strict: boolean) {
  const out: string[] = [`${report.label} (${relative(process.cwd(), report.dir) || '.'})`];
  for (const f of report.findings) {
    out.push(`  ${f.severity.padEnd(7)} ${f.rule}  ${f.pointer || '(package)'}`, `          ${f.message}`, `          fix: ${f.fix}`);
  }
  const verdict = report.errors ? 'refused: the runtime would not load it' : strict && report.warnings ? 'failed (--strict: warnings count)' : 'ok';
  out.push(`${report.errors} error${report.errors === 1 ? '' : 's'}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'} — ${verdict}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate [dir]',
  describe: 'Check a plugin (package.json and README.md) with the rules the runtime runs when it loads it; exit 1 on errors',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', default: '.', describe: "The plugin's folder" })
      .option('json', { type: 'boolean', default: false, describe: 'Print the findings as JSON (for CI)' })
      .option('strict', { type: 'boolean', default: false, describe: 'Warnings fail too' }) as never,
  handler: (args) => {
    const report = lintPlugin(resolve(args.dir));
    if (args.json) process.stdout.write(`${JSON.stringify(reportJson(report, args.strict), null, 2)}\n`);
    else printReport(report, args.strict);
    if (report.errors || (args.strict && report.warnings)) process.exitCode = 1;
  },
};

interface DocsArgs {
  dir: string;
  check: boolean;
}

export const docsCommand: CommandModule<object, DocsArgs> = {
  command: 'docs [dir]',
  describe: "Write the plugin README's generated sections (VTEX field-mapping table, registration rules, settings, limits) from package.json",
  builder: (y) =>
    y
      .positional('dir', { type: 'string', default: '.', describe: "The plugin's folder" })
      .option('check', { type: 'boolean', default: false, describe: 'Write nothing; exit 1 when README.md is not up to date' }) as never,
  handler: (args) => {
    const dir = resolve(args.dir);
    const pkgFile = join(dir, 'package.json');
    if (!existsSync(pkgFile)) throw Errors.invalidArgument('dir', `${dir} has no package.json: run it in the plugin's folder`);
    const manifest = JSON.parse(readFileSync(pkgFile, 'utf8')) as PluginManifest;
    if (!manifest.contributes?.marketplace) throw Errors.invalidArgument('dir', `${pkgFile} has no contributes.marketplace: not a Connector plugin (see connector plugin new)`);
    const file = join(dir, 'README.md');
    const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    const update = updateReadme(before, manifest);
    const changed = update.text !== before;
    if (args.check) {
      process.stdout.write(changed ? `README.md is not up to date (${[...update.updated, ...update.inserted].join(', ') || 'markers'}): run connector plugin docs\n` : 'README.md is up to date\n');
      if (changed) process.exitCode = 1;
      return;
    }
    if (changed) writeFileSync(file, update.text);
    const parts = [update.updated.length && `updated ${update.updated.join(', ')}`, update.inserted.length && `added ${update.inserted.join(', ')}`].filter(Boolean);
    process.stdout.write(`${relative(process.cwd(), file) || file}: ${before === undefined ? 'written' : changed ? parts.join('; ') || 'rewritten' : 'already up to date'}\n`);
  },
};
