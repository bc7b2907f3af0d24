import { isEmpty, parsePath, parseTemplate, resolvePath, type ParsedPath } from './paths.js';
import type { MappingContext, TransformStep } from './types.js';

/** A value a transformation cannot work with; becomes an E1 fix naming the VTEX field. */
export class TransformError extends Error {}

export interface TransformEnv {
  context: MappingContext;
  /** Resolves a context path (cached parse). */
  resolve(path: string): unknown;
}

/** A transformation op built into the core. */
export interface CoreTransform {
  /** Problems with the step's arguments, reported when the manifest is loaded. */
  check(step: TransformStep): string[];
  apply(value: unknown, step: TransformStep, env: TransformEnv): unknown;
  /** The "Transformation" column text of the mapping table. */
  describe(step: TransformStep): string;
  /** Runs on empty values too (the ops that produce values: default, const, template, coalesce…). */
  fillsEmpty?: boolean;
  /** Using it counts as "a default value was used" (A3). */
  isDefault?: boolean;
}

// ---- argument checks ----

type Check = (step: TransformStep) => string[];
const int = (name: string, min: number, optional = false): Check => (s) =>
  s[name] === undefined && optional ? [] : Number.isInteger(s[name]) && (s[name] as number) >= min ? [] : [`"${name}" must be an integer ≥ ${min}`];
const num = (name: string, optional = false): Check => (s) =>
  s[name] === undefined && optional ? [] : typeof s[name] === 'number' && Number.isFinite(s[name]) ? [] : [`"${name}" must be a number`];
const str = (name: string, optional = false, allowEmpty = false): Check => (s) =>
  s[name] === undefined && optional ? [] : typeof s[name] === 'string' && (allowEmpty || (s[name] as string).length > 0) ? [] : [`"${name}" must be a ${allowEmpty ? '' : 'non-empty '}string`];
const present = (name: string): Check => (s) => (s[name] === undefined || s[name] === null ? [`"${name}" is required`] : []);
const all = (...checks: Check[]): Check => (s) => checks.flatMap((c) => c(s));
const none: Check = () => [];
function pathProblem(p: string, name: string): string[] {
  try {
    parsePath(p);
    return [];
  } catch (e) {
    return [`"${name}" ${(e as Error).message}`];
  }
}

// ---- value helpers ----

function text(value: unknown, op: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TransformError(`${op} expects text, got ${describeValue(value)}`);
}

function number(value: unknown, op: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value.replace(',', '.')) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new TransformError(`${op} expects a number, got ${describeValue(value)}`);
  return n;
}

function list(value: unknown, op: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new TransformError(`${op} expects a list, got ${describeValue(value)}`);
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value && typeof value === 'object') return 'an object';
  return String(value);
}

/** Removes float noise (0.1 + 0.2) without hiding real precision. */
const clean = (n: number) => Math.round(n * 1e6) / 1e6;

const UNITS: Record<string, { dimension: string; factor: number }> = {
  mg: { dimension: 'mass', factor: 0.001 },
  g: { dimension: 'mass', factor: 1 },
  kg: { dimension: 'mass', factor: 1000 },
  oz: { dimension: 'mass', factor: 28.349523125 },
  lb: { dimension: 'mass', factor: 453.59237 },
  mm: { dimension: 'length', factor: 0.1 },
  cm: { dimension: 'length', factor: 1 },
  m: { dimension: 'length', factor: 100 },
  in: { dimension: 'length', factor: 2.54 },
  ft: { dimension: 'length', factor: 30.48 },
  ml: { dimension: 'volume', factor: 1 },
  l: { dimension: 'volume', factor: 1000 },
};

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** VTEX descriptions are HTML; most marketplaces want plain text. */
export function stripHtml(html: string): string {
  return html
    .replace(/<(br|\/p|\/li|\/div|\/h\d)\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#\d+|#x[\da-f]+|\w+);/gi, (m, e: string) =>
      e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : (ENTITIES[e.toLowerCase()] ?? m),
    )
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n+ */g, '\n')
    .trim();
}

/** Cuts to `max` characters without breaking a surrogate pair, trimming trailing spaces. */
export function truncateText(value: string, max: number, ellipsis = ''): string {
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  const room = Math.max(0, max - Array.from(ellipsis).length);
  return chars.slice(0, room).join('').trimEnd() + ellipsis;
}

const json = (v: unknown) => JSON.stringify(v);

/** The counterpart of `v` in `values` (exact, then case-insensitive); unmapped: `fallback`, an error when `strict`, else `v`. */
function mapValue(v: unknown, values: Record<string, unknown>, s: TransformStep, op: string, where?: string): unknown {
  const key = text(v, op);
  if (Object.hasOwn(values, key)) return values[key];
  const folded = Object.keys(values).find((k) => k.toLowerCase() === key.toLowerCase());
  if (folded !== undefined) return values[folded];
  if (s.fallback !== undefined) return s.fallback;
  if (s.strict) {
    const known = Object.keys(values);
    throw new TransformError(`${describeValue(v)} has no counterpart${where ? ` in ${where}` : ''} (known: ${known.length ? known.join(', ') : 'none'})`);
  }
  return v;
}

/** The transformation ops every plugin gets from the core. Anything else is sent to the plugin's `transform` handler. */
export const CORE_TRANSFORMS: Record<string, CoreTransform> = {
  default: {
    check: present('value'),
    fillsEmpty: true,
    isDefault: true,
    apply: (v, s) => (isEmpty(v) ? structuredClone(s.value) : v),
    describe: (s) => `${json(s.value)} when empty in VTEX`,
  },
  const: {
    check: present('value'),
    fillsEmpty: true,
    apply: (_v, s) => structuredClone(s.value),
    describe: (s) => `always ${json(s.value)}`,
  },
  coalesce: {
    check: (s) =>
      Array.isArray(s.sources) && s.sources.length && s.sources.every((p) => typeof p === 'string')
        ? (s.sources as string[]).flatMap((p, i) => pathProblem(p, `sources[${i}]`))
        : ['"sources" must be a non-empty list of paths'],
    fillsEmpty: true,
    apply: (v, s, env) => {
      if (!isEmpty(v)) return v;
      for (const p of s.sources as string[]) {
        const found = env.resolve(p);
        if (!isEmpty(found)) return found;
      }
      return v;
    },
    describe: (s) => `else ${(s.sources as string[]).join(', else ')}`,
  },
  template: {
    check: (s) => {
      if (typeof s.template !== 'string' || !s.template) return ['"template" must be a non-empty string'];
      try {
        parseTemplate(s.template);
        return [];
      } catch (e) {
        return [`"template" has a bad placeholder: ${(e as Error).message}`];
      }
    },
    fillsEmpty: true,
    apply: (v, s, env) => {
      let anyValue = false;
      const out = (s.template as string).replace(/\{([^{}]+)\}/g, (_m, inner: string) => {
        const key = inner.trim();
        const found = key === 'value' ? v : env.resolve(key);
        if (isEmpty(found)) return '';
        anyValue = true;
        return Array.isArray(found) ? found.join(', ') : text(found, 'template');
      });
      // A template of nothing but empty placeholders is empty, so `default` and `mandatory` see it.
      return anyValue ? out.replace(/\s+/g, ' ').trim() : '';
    },
    describe: (s) => `built as "${s.template}"`,
  },
  truncate: {
    check: all(int('max', 1), str('ellipsis', true, true)),
    apply: (v, s) => truncateText(text(v, 'truncate'), s.max as number, (s.ellipsis as string) ?? ''),
    describe: (s) => `only the first ${s.max} characters are sent`,
  },
  trim: { check: none, apply: (v) => text(v, 'trim').trim(), describe: () => 'spaces trimmed' },
  upper: { check: none, apply: (v) => text(v, 'upper').toUpperCase(), describe: () => 'upper case' },
  lower: { check: none, apply: (v) => text(v, 'lower').toLowerCase(), describe: () => 'lower case' },
  stripHtml: { check: none, apply: (v) => stripHtml(text(v, 'stripHtml')), describe: () => 'HTML tags removed' },
  digits: { check: none, apply: (v) => text(v, 'digits').replace(/\D+/g, ''), describe: () => 'digits only' },
  mapValues: {
    check: (s) => (s.values && typeof s.values === 'object' && !Array.isArray(s.values) ? [] : ['"values" must be an object {"VTEX value": "marketplace value"}']),
    apply: (v, s) => mapValue(v, s.values as Record<string, unknown>, s, 'mapValues'),
    describe: (s) =>
      `mapped: ${Object.entries(s.values as Record<string, unknown>)
        .map(([a, b]) => `${a} → ${json(b)}`)
        .join(', ')}${s.fallback !== undefined ? `, otherwise ${json(s.fallback)}` : ''}`,
  },
  lookup: {
    // mapValues with the table in the context (usually an integration setting), so each seller keeps
    // their own table (VTEX brand → the marketplace's brand id) without a plugin op.
    check: (s) => (typeof s.table === 'string' ? pathProblem(s.table, 'table') : ['"table" must be a context path, e.g. "settings.brandIds"']),
    apply: (v, s, env) => {
      const table = env.resolve(s.table as string);
      if (table !== undefined && (table === null || typeof table !== 'object' || Array.isArray(table))) {
        throw new TransformError(`${s.table} is not an object {"VTEX value": "marketplace value"}`);
      }
      return mapValue(v, (table ?? {}) as Record<string, unknown>, s, 'lookup', s.table as string);
    },
    describe: (s) => `mapped with the table in ${s.table}${s.fallback !== undefined ? `, otherwise ${json(s.fallback)}` : ''}${s.strict ? ' (an unmapped value is a fix)' : ''}`,
  },
  specList: {
    // VTEX specifications ([{FieldName, FieldValues}]) as the marketplace's attribute list: only the
    // ones named in the table, each as {key: its name there, value: its first value}.
    check: (s) => [
      ...(typeof s.names === 'string' ? pathProblem(s.names, 'names') : ['"names" must be a context path to {"VTEX specification": "marketplace attribute"}']),
      ...str('key')(s),
      ...str('value')(s),
    ],
    apply: (v, s, env) => {
      const names = env.resolve(s.names as string);
      const table = names && typeof names === 'object' && !Array.isArray(names) ? (names as Record<string, unknown>) : {};
      const byName = new Map(Object.entries(table).map(([k, id]) => [k.toLowerCase(), id]));
      const out: Record<string, unknown>[] = [];
      for (const spec of list(v, 'specList')) {
        const { FieldName, FieldValues } = (spec ?? {}) as { FieldName?: unknown; FieldValues?: unknown };
        const id = typeof FieldName === 'string' ? byName.get(FieldName.toLowerCase()) : undefined;
        const value = Array.isArray(FieldValues) ? FieldValues.find((x) => !isEmpty(x)) : undefined;
        if (id !== undefined && value !== undefined) out.push({ [s.key as string]: id, [s.value as string]: text(value, 'specList') });
      }
      return out;
    },
    describe: (s) => `the specifications named in ${s.names}, each sent as {"${s.key}": its name there, "${s.value}": its value}`,
  },
  centsToDecimal: { check: none, apply: (v) => clean(Math.round(number(v, 'centsToDecimal')) / 100), describe: () => 'cents → decimal (÷ 100)' },
  decimalToCents: { check: none, apply: (v) => Math.round(number(v, 'decimalToCents') * 100), describe: () => 'decimal → cents (× 100)' },
  round: {
    check: int('decimals', 0, true),
    apply: (v, s) => {
      const f = 10 ** ((s.decimals as number) ?? 0);
      return Math.round(number(v, 'round') * f) / f;
    },
    describe: (s) => `rounded to ${(s.decimals as number) ?? 0} decimals`,
  },
  formatNumber: {
    // Marketplaces that take amounts as text in their own locale (Casas Bahia: "2999,90").
    check: all(int('decimals', 0, true), str('decimalSeparator', true)),
    apply: (v, s) => {
      const text = number(v, 'formatNumber').toFixed((s.decimals as number) ?? 2);
      return s.decimalSeparator === undefined ? text : text.replace('.', s.decimalSeparator as string);
    },
    describe: (s) => `as text with ${(s.decimals as number) ?? 2} decimals${s.decimalSeparator !== undefined ? ` and ${json(s.decimalSeparator)} as the decimal separator` : ''}`,
  },
  convertUnit: {
    check: (s) => {
      const from = UNITS[String(s.from)];
      const to = UNITS[String(s.to)];
      if (!from || !to) return [`"from" and "to" must be units among ${Object.keys(UNITS).join(', ')}`];
      return from.dimension === to.dimension ? [] : [`cannot convert ${from.dimension} (${s.from}) to ${to.dimension} (${s.to})`];
    },
    apply: (v, s) => clean((number(v, 'convertUnit') * UNITS[s.from as string].factor) / UNITS[s.to as string].factor),
    describe: (s) => `converted from ${s.from} to ${s.to}`,
  },
  clamp: {
    check: (s) => [...num('min', true)(s), ...num('max', true)(s), ...(s.min === undefined && s.max === undefined ? ['give "min", "max" or both'] : [])],
    apply: (v, s) => {
      let n = number(v, 'clamp');
      if (typeof s.min === 'number') n = Math.max(s.min, n);
      if (typeof s.max === 'number') n = Math.min(s.max, n);
      return n;
    },
    describe: (s) => `kept ${s.min !== undefined ? `≥ ${s.min}` : ''}${s.min !== undefined && s.max !== undefined ? ' and ' : ''}${s.max !== undefined ? `≤ ${s.max}` : ''}`,
  },
  toString: { check: none, apply: (v: unknown) => (typeof v === 'object' ? json(v) : String(v)), describe: () => 'as text' },
  toNumber: { check: none, apply: (v) => number(v, 'toNumber'), describe: () => 'as a number' },
  toInteger: { check: none, apply: (v) => Math.trunc(number(v, 'toInteger')), describe: () => 'as a whole number' },
  firstImage: {
    check: none,
    fillsEmpty: true,
    apply: (v, _s, env) => {
      const images = isEmpty(v) ? env.context.sku?.Images : v;
      if (isEmpty(images)) return undefined;
      const first = Array.isArray(images) ? images[0] : images;
      return typeof first === 'string' ? first : ((first as { ImageUrl?: string })?.ImageUrl ?? undefined);
    },
    describe: () => "the first image's URL",
  },
  first: { check: none, apply: (v) => (Array.isArray(v) ? v[0] : v), describe: () => 'the first one' },
  pluck: {
    check: str('field'),
    apply: (v, s) => list(v, 'pluck').map((item) => (item && typeof item === 'object' ? (item as Record<string, unknown>)[s.field as string] : undefined)),
    describe: (s) => `the ${s.field} of each`,
  },
  slice: {
    check: all(int('max', 0), int('from', 0, true)),
    apply: (v, s) => list(v, 'slice').slice((s.from as number) ?? 0, ((s.from as number) ?? 0) + (s.max as number)),
    describe: (s) => `at most ${s.max}${s.from ? ` from the ${(s.from as number) + 1}th` : ''}`,
  },
  wrapEach: {
    check: str('key'),
    apply: (v, s) => list(v, 'wrapEach').map((item) => ({ [s.key as string]: item })),
    describe: (s) => `each sent as {"${s.key}": …}`,
  },
  join: {
    check: str('separator', true, true),
    apply: (v, s) => list(v, 'join').filter((x) => !isEmpty(x)).map((x) => text(x, 'join')).join((s.separator as string) ?? ', '),
    describe: (s) => `joined with ${json((s.separator as string) ?? ', ')}`,
  },
  split: {
    check: str('separator', false, false),
    apply: (v, s) => text(v, 'split').split(s.separator as string).map((x) => x.trim()).filter(Boolean),
    describe: (s) => `split at ${json(s.separator)}`,
  },
  compact: { check: none, apply: (v) => list(v, 'compact').filter((x) => !isEmpty(x)), describe: () => 'empty entries dropped' },
  unique: { check: none, apply: (v) => [...new Set(list(v, 'unique'))], describe: () => 'duplicates dropped' },
  spec: {
    check: str('name'),
    apply: (v, s) => {
      const name = (s.name as string).toLowerCase();
      const found = list(v, 'spec').find((f) => String((f as { FieldName?: string })?.FieldName).toLowerCase() === name) as { FieldValues?: string[] } | undefined;
      const values = found?.FieldValues ?? [];
      return values.length > 1 ? values : values[0];
    },
    describe: (s) => `the value of specification "${s.name}"`,
  },
};

/** Parsed paths of a compiled step, so resolving never re-parses. */
export function makeResolver(context: MappingContext, cache: Map<string, ParsedPath>): (path: string) => unknown {
  return (p) => {
    let parsed = cache.get(p);
    if (!parsed) cache.set(p, (parsed = parsePath(p)));
    return resolvePath(context, parsed);
  };
}
