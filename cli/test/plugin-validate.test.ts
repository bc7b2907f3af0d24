import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LINT_RULES } from '@connector/core';
import { runCli } from '../../test/support/processes.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/authoring');

/** What `connector plugin validate --json` must report for each fixture: exactly these rule ids (sorted). */
const EXPECTED: Record<string, { rules: string[]; exit: number }> = {
  'broken-schema': { rules: ['manifest/schema', 'manifest/schema', 'manifest/schema'], exit: 1 },
  'mapping-faults': {
    rules: [
      'mapping/required-field-unmapped',
      'mapping/row',
      'mapping/secret-source',
      'mapping/source-unknown',
      'mapping/stock-unmapped',
      'mapping/target-overlap',
      'mapping/transform-args',
      'mapping/transform-undeclared',
      'mapping/transform-unused',
      'mapping/vtex-api',
      'rules/contradiction',
      'rules/contradiction',
      'rules/default-breaks-rule',
      'rules/duplicate',
      'rules/field-unmapped',
      'rules/invalid',
    ],
    exit: 1,
  },
  'package-faults': {
    rules: [
      'capabilities/missing',
      'hosts/loopback',
      'hosts/wildcard',
      'limits/unknown-operation',
      'manifest/activation-event',
      'manifest/engine-incompatible',
      'manifest/main',
      'package/files',
      'package/keyword',
      'readme/mapping-table',
      'readme/section-missing',
      'readme/section-missing',
      'readme/section-missing',
      'settings/api-base-url',
      'settings/secret-default',
    ],
    exit: 1,
  },
  'settings-faults': { rules: ['limits/invalid', 'manifest/engine-range', 'mapping/missing', 'readme/missing', 'settings/schema', 'settings/secret'], exit: 1 },
  'stale-readme': { rules: ['hosts/empty', 'limits/feed-batch', 'limits/rate-missing', 'mapping/price-unmapped', 'readme/stale'], exit: 1 },
  'warnings-only': { rules: ['hosts/loopback'], exit: 0 },
};

interface JsonReport {
  plugin: { name?: string; version?: string; dir: string };
  ok: boolean;
  errors: number;
  warnings: number;
  findings: Array<{ rule: keyof typeof LINT_RULES; severity: string; pointer: string; message: string; fix: string }>;
}

describe('connector plugin validate --json on fixtures with known faults', () => {
  it.each(Object.entries(EXPECTED))('%s: exactly the expected rule ids, and the exit code', async (name, expected) => {
    const { code, stdout } = await runCli(['plugin', 'validate', join(FIXTURES, name), '--json']);
    const report = JSON.parse(stdout) as JsonReport;
    expect(report.findings.map((f) => f.rule).sort()).toEqual(expected.rules);
    expect(code).toBe(expected.exit);
    for (const f of report.findings) {
      // Every finding: a documented rule, its severity, a JSON pointer, a message and a fix.
      expect(LINT_RULES[f.rule], f.rule).toBeDefined();
      expect(f.severity).toBe(LINT_RULES[f.rule].severity);
      expect(f.pointer).toMatch(/^(\/[^/]*)*$/);
      expect(f.message.length && f.fix.length).toBeGreaterThan(0);
    }
    expect(report.errors).toBe(report.findings.filter((f) => f.severity === 'error').length);
    expect(report.ok).toBe(expected.exit === 0);
  });

  it('the fixtures exercise every rule of the catalogue', () => {
    const covered = new Set(Object.values(EXPECTED).flatMap((e) => e.rules));
    expect(Object.keys(LINT_RULES).filter((r) => !covered.has(r))).toEqual([]);
  });

  it('--strict fails on warnings too', async () => {
    const { code, stdout } = await runCli(['plugin', 'validate', join(FIXTURES, 'warnings-only'), '--strict', '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, errors: 0, warnings: 1 });
  });

  it('prints each finding with its rule, pointer and fix for people', async () => {
    const { code, stdout } = await runCli(['plugin', 'validate', join(FIXTURES, 'mapping-faults')]);
    expect(code).toBe(1);
    expect(stdout).toContain('error   mapping/source-unknown  /contributes/marketplace/fieldMappings/0/source');
    expect(stdout).toContain('"sku.NameCompleet": sku has no "NameCompleet" (did you mean "NameComplete"?)');
    expect(stdout).toContain('fix: write sku.NameComplete');
    expect(stdout).toMatch(/10 errors, 6 warnings — refused: the runtime would not load it/);
  });
});

describe('connector plugin docs', () => {
  const temp = mkdtempSync(join(tmpdir(), 'connector-plugin-docs-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  it('rewrites a stale section, adds missing ones, and leaves the rest of the README alone', async () => {
    const dir = join(temp, 'stale');
    cpSync(join(FIXTURES, 'stale-readme'), dir, { recursive: true });
    writeFileSync(join(dir, 'README.md'), `${readFileSync(join(dir, 'README.md'), 'utf8').replace(/\n## Limits[\s\S]*?<!-- limits:end -->\n/, '\n')}\nHand-written notes stay.\n`);
    expect((await runCli(['plugin', 'docs', dir, '--check'])).code).toBe(1);
    const { code, stdout } = await runCli(['plugin', 'docs', dir]);
    expect(code).toBe(0);
    expect(stdout).toContain('updated mapping-table; added limits');
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain('Hand-written notes stay.');
    expect(readme).toContain('<!-- limits:start');
    expect((await runCli(['plugin', 'docs', dir, '--check'])).code).toBe(0);
    const validate = JSON.parse((await runCli(['plugin', 'validate', dir, '--json'])).stdout) as JsonReport;
    expect(validate.findings.filter((f) => f.rule.startsWith('readme/'))).toEqual([]);
  });

  it('writes a README for a plugin that has none', async () => {
    const dir = join(temp, 'none');
    cpSync(join(FIXTURES, 'warnings-only'), dir, { recursive: true });
    rmSync(join(dir, 'README.md'));
    expect((await runCli(['plugin', 'docs', dir])).stdout).toContain('written');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/^# @fixtures\/authoring-warnings-only\n[\s\S]*## Field mapping \(VTEX → Warnings only\)[\s\S]*## Settings[\s\S]*## Limits/);
  });
});
