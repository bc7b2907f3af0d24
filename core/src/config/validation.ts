import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { FieldProblem } from '../errors/errors.js';

// ajv-formats is CommonJS with a default export; createRequire avoids ESM interop guesswork.
const addFormats = createRequire(import.meta.url)('ajv-formats') as (ajv: Ajv) => Ajv;

/** One ajv instance per purpose, always collecting every error and knowing the standard formats. */
export function createAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, verbose: true, ...options });
  addFormats(ajv);
  return ajv;
}

/** ajv's errors, turned into one readable problem each (path + message, with the allowed values when useful). */
export function toProblems(errors: ErrorObject[] | null | undefined, prefix = ''): FieldProblem[] {
  if (!errors) return [];
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // oneOf failures repeat each branch's complaint; the branch errors already say what is wrong.
    if (e.keyword === 'oneOf' || e.keyword === 'if') continue;
    // An anyOf whose schema says in one sentence what it wants (`x-anyOf-message`) speaks for its branches.
    const anyOfMessage = (e.parentSchema as Record<string, unknown> | undefined)?.['x-anyOf-message'];
    if (e.schemaPath.includes('/anyOf/') && errors.some((o) => o.keyword === 'anyOf' && o.instancePath === e.instancePath && (o.parentSchema as Record<string, unknown>)?.['x-anyOf-message'])) continue;
    let path = prefix + e.instancePath;
    let message = e.keyword === 'anyOf' && typeof anyOfMessage === 'string' ? anyOfMessage : (e.message ?? 'is invalid');
    if (e.keyword === 'required') {
      path = `${path}/${(e.params as { missingProperty: string }).missingProperty}`;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      path = `${path}/${(e.params as { additionalProperty: string }).additionalProperty}`;
      message = 'is not a known property (check its spelling)';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    const key = `${path}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path, message });
  }
  return problems;
}

export function validateWith<T>(validate: ValidateFunction, value: unknown, prefix = ''): { ok: true; value: T } | { ok: false; problems: FieldProblem[] } {
  return validate(value) ? { ok: true, value: value as T } : { ok: false, problems: toProblems(validate.errors, prefix) };
}
