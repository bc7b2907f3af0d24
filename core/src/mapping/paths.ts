/**
 * Source paths (`sku.Images[0].ImageUrl`, `sku.SkuSpecifications[FieldName=Cor].FieldValues[0]`,
 * `sku.Images[*].ImageUrl`) and target paths (`attributes.BRAND`).
 *
 * Hand-written on purpose: the grammar is four constructs, every path is checked once when the
 * manifest is loaded (with a message naming the bad segment), and resolving must never run code
 * from a manifest — JSONPath libraries evaluate filter scripts (jsonpath-plus CVE-2024-21534) and
 * lodash's `get` silently accepts any string.
 */

export type PathStep =
  | { kind: 'prop'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'where'; field: string; value: string };

export type ParsedPath = PathStep[];

const IDENT = /^[A-Za-z_$][\w$-]*/;

/** Parses a source path; throws an Error whose message says what is wrong and where. */
export function parsePath(path: string): ParsedPath {
  if (typeof path !== 'string' || !path.trim()) throw new Error('is empty');
  const steps: PathStep[] = [];
  let rest = path.trim();
  let expectDot = false;
  while (rest.length) {
    if (expectDot) {
      if (rest[0] === '.') rest = rest.slice(1);
      else if (rest[0] !== '[') throw new Error(`expected "." or "[" before "${rest}"`);
    }
    if (rest[0] === '[') {
      const end = rest.indexOf(']');
      if (end < 0) throw new Error(`"[" without a closing "]" in "${rest}"`);
      const inner = rest.slice(1, end).trim();
      rest = rest.slice(end + 1);
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else {
        const eq = inner.indexOf('=');
        const field = eq > 0 ? inner.slice(0, eq).trim() : '';
        const value = eq > 0 ? inner.slice(eq + 1).trim().replace(/^(['"])(.*)\1$/, '$2') : '';
        if (!IDENT.test(field) || !value) throw new Error(`"[${inner}]" must be an index ([0]), [*] or a filter ([FieldName=Value])`);
        steps.push({ kind: 'where', field, value });
      }
    } else {
      const match = IDENT.exec(rest);
      if (!match) throw new Error(`"${rest}" does not start with a property name`);
      steps.push({ kind: 'prop', name: match[0] });
      rest = rest.slice(match[0].length);
    }
    expectDot = true;
  }
  return steps;
}

/** The value at `path` in `root`, or undefined. `[*]` maps the rest of the path over an array. */
export function resolvePath(root: unknown, path: ParsedPath, from = 0): unknown {
  let current = root;
  for (let i = from; i < path.length; i++) {
    if (current === undefined || current === null) return undefined;
    const step = path[i];
    switch (step.kind) {
      case 'prop':
        if (typeof current !== 'object') return undefined;
        current = Object.hasOwn(current, step.name) ? (current as Record<string, unknown>)[step.name] : undefined;
        break;
      case 'index':
        current = Array.isArray(current) ? current[step.index] : undefined;
        break;
      case 'all':
        if (!Array.isArray(current)) return undefined;
        return current.map((item) => resolvePath(item, path, i + 1)).filter((v) => v !== undefined);
      case 'where':
        if (!Array.isArray(current)) return undefined;
        current = current.find(
          (item) => item && typeof item === 'object' && String((item as Record<string, unknown>)[step.field]).toLowerCase() === step.value.toLowerCase(),
        );
        break;
    }
  }
  return current;
}

const TARGET = /^[A-Za-z_$][\w$-]*(\.[A-Za-z_$][\w$-]*)*$/;

/** Target paths are plain dot paths: `title`, `attributes.BRAND`. */
export function parseTarget(target: string): string[] {
  if (typeof target !== 'string' || !TARGET.test(target)) throw new Error('must be a dot path of property names, e.g. "title" or "attributes.BRAND"');
  return target.split('.');
}

export function setPath(root: Record<string, unknown>, segments: string[], value: unknown): void {
  let node = root;
  for (const key of segments.slice(0, -1)) {
    const next = node[key];
    if (!next || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[segments[segments.length - 1]] = value;
}

export function getPath(root: unknown, segments: string[]): unknown {
  let node = root;
  for (const key of segments) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Empty in the "total reader" sense: nothing the marketplace could use. Zero and false are values. */
export function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'number' && Number.isNaN(value))
  );
}

const PLACEHOLDER = /\{([^{}]+)\}/g;

/** The placeholders of a template (`"{sku.ProductName} {sku.SkuName}"`), parsed; `{value}` is the pipeline's current value. */
export function parseTemplate(template: string): Array<{ raw: string; path: ParsedPath | 'value' }> {
  const out: Array<{ raw: string; path: ParsedPath | 'value' }> = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    const inner = m[1].trim();
    out.push({ raw: m[0], path: inner === 'value' ? 'value' : parsePath(inner) });
  }
  return out;
}
