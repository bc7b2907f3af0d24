import type { FieldProblem } from '../errors/errors.js';
import { getPath, isEmpty, parseTarget } from '../mapping/paths.js';
import type { Fix } from '../plugin-api/index.js';
import { isValidGtin } from './ean.js';

export const RULE_KINDS = ['required', 'maxLength', 'minLength', 'maxItems', 'minItems', 'pattern', 'ean', 'min', 'max', 'enum'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** One of a marketplace's registration rules (`contributes.marketplace.registrationRules`), checked on the mapped payload. */
export interface RegistrationRule {
  /** Payload path, as a fieldMappings target: `title`, `attributes.GTIN`. */
  field: string;
  rule: RuleKind;
  value?: number | string | unknown[];
  /** The fix shown to the seller. */
  message: string;
}

interface CompiledRule {
  rule: RegistrationRule;
  path: string[];
  pattern?: RegExp;
}

const NEEDS_NUMBER: RuleKind[] = ['maxLength', 'minLength', 'maxItems', 'minItems', 'min', 'max'];

const length = (v: unknown) => (typeof v === 'string' ? Array.from(v).length : Array.isArray(v) ? v.length : typeof v === 'number' ? String(v).length : undefined);

/** A marketplace's registration rules, checked once when the manifest is loaded. */
export class CompiledRules {
  constructor(readonly rules: CompiledRule[]) {}

  /**
   * Every broken rule of `payload`, never only the first. Fields in `skip` are not checked: the
   * mapping already reported them (empty mandatory field) or their source area is reported.
   * `where` tells the seller where in VTEX the field is filled.
   */
  check(payload: Record<string, unknown>, options: { skip?: Set<string>; where?: (field: string) => string | undefined } = {}): Fix[] {
    const fixes: Fix[] = [];
    for (const { rule, path, pattern } of this.rules) {
      if (options.skip && [...options.skip].some((s) => rule.field === s || rule.field.startsWith(`${s}.`) || s.startsWith(`${rule.field}.`))) continue;
      const value = getPath(payload, path);
      if (!broken(rule, value, pattern)) continue;
      const where = options.where?.(rule.field);
      fixes.push({ field: rule.field, rule: rule.rule, message: rule.message, ...(where ? { where } : {}) });
    }
    return fixes;
  }
}

function broken(rule: RegistrationRule, value: unknown, pattern?: RegExp): boolean {
  const limit = rule.value as number;
  switch (rule.rule) {
    case 'required':
      return isEmpty(value);
    case 'minItems':
      // An absent list has no items.
      return (Array.isArray(value) ? value.length : 0) < limit;
    case 'maxItems':
      return Array.isArray(value) && value.length > limit;
  }
  // The other rules judge a value that is there; an absent one is `required`'s business.
  if (isEmpty(value)) return false;
  switch (rule.rule) {
    case 'maxLength':
      return (length(value) ?? 0) > limit;
    case 'minLength':
      return (length(value) ?? 0) < limit;
    case 'pattern':
      return !pattern!.test(typeof value === 'string' ? value : String(value));
    case 'ean':
      return !isValidGtin(value);
    case 'min':
      return typeof value !== 'number' || value < limit;
    case 'max':
      return typeof value !== 'number' || value > limit;
    case 'enum':
      return !(rule.value as unknown[]).some((allowed) => allowed === value);
  }
}

/** Checks and compiles `registrationRules`; problems carry JSON pointers under `pointer`. */
export function compileRules(rules: unknown, pointer = '/contributes/marketplace/registrationRules'): { rules: CompiledRules; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const compiled: CompiledRule[] = [];
  if (rules === undefined) return { rules: new CompiledRules([]), problems };
  if (!Array.isArray(rules)) return { rules: new CompiledRules([]), problems: [{ path: pointer, message: 'must be a list of rules' }] };
  rules.forEach((raw: unknown, i) => {
    const at = `${pointer}/${i}`;
    const rule = raw as RegistrationRule;
    if (!rule || typeof rule !== 'object') return void problems.push({ path: at, message: 'must be an object' });
    const before = problems.length;
    let path: string[] = [];
    try {
      path = parseTarget(rule.field);
    } catch (e) {
      problems.push({ path: `${at}/field`, message: (e as Error).message });
    }
    if (!(RULE_KINDS as readonly string[]).includes(rule.rule)) problems.push({ path: `${at}/rule`, message: `must be one of ${RULE_KINDS.join(', ')}` });
    if (typeof rule.message !== 'string' || !rule.message.trim()) problems.push({ path: `${at}/message`, message: 'must say what the seller should do' });
    if (NEEDS_NUMBER.includes(rule.rule) && !(typeof rule.value === 'number' && Number.isFinite(rule.value) && (rule.rule === 'min' || rule.rule === 'max' || (Number.isInteger(rule.value) && rule.value >= 0)))) {
      problems.push({ path: `${at}/value`, message: `${rule.rule} needs a ${rule.rule === 'min' || rule.rule === 'max' ? 'number' : 'whole number ≥ 0'}` });
    }
    if (rule.rule === 'enum' && !(Array.isArray(rule.value) && rule.value.length)) problems.push({ path: `${at}/value`, message: 'enum needs a non-empty list of allowed values' });
    let pattern: RegExp | undefined;
    if (rule.rule === 'pattern') {
      try {
        if (typeof rule.value !== 'string') throw new Error('needs a regular expression string');
        pattern = new RegExp(rule.value, 'u');
      } catch (e) {
        problems.push({ path: `${at}/value`, message: `pattern ${(e as Error).message}` });
      }
    }
    if (problems.length === before) compiled.push({ rule, path, pattern });
  });
  return { rules: new CompiledRules(compiled), problems };
}
