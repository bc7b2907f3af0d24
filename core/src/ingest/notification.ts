import { Errors, type FieldProblem } from '../errors/errors.js';

/** A VTEX affiliate notification, normalised (VTEX sends PascalCase; its guides write camelCase). */
export interface Notification {
  skuId: string;
  account: string;
  productId?: number;
  affiliateId?: string;
  dateModified?: string;
  isActive?: boolean;
  stockModified?: boolean;
  priceModified?: boolean;
  skuModified?: boolean;
  removedFromAffiliate?: boolean;
}

type Kind = 'id' | 'integer' | 'string' | 'boolean' | 'date';

/** Lower-cased wire name → normalised field, its kind, and whether it is required. */
const FIELDS: Record<string, { field: keyof Notification; kind: Kind; required?: boolean }> = {
  idsku: { field: 'skuId', kind: 'id', required: true },
  an: { field: 'account', kind: 'string', required: true },
  productid: { field: 'productId', kind: 'integer' },
  idaffiliate: { field: 'affiliateId', kind: 'string' },
  datemodified: { field: 'dateModified', kind: 'date' },
  isactive: { field: 'isActive', kind: 'boolean' },
  stockmodified: { field: 'stockModified', kind: 'boolean' },
  pricemodified: { field: 'priceModified', kind: 'boolean' },
  hasstockkeepingunitmodified: { field: 'skuModified', kind: 'boolean' },
  hasstockkeepingunitremovedfromaffiliate: { field: 'removedFromAffiliate', kind: 'boolean' },
};

const EXPECTED: Record<Kind, string> = {
  id: 'must be a numeric SKU id (e.g. "1234")',
  integer: 'must be a positive integer',
  string: 'must be a non-empty string of at most 100 characters',
  boolean: 'must be true or false',
  date: 'must be an ISO-8601 date-time (e.g. 2018-08-20T15:11:28.1978783Z)',
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;

function coerce(kind: Kind, value: unknown): { ok: true; value: unknown } | { ok: false } {
  switch (kind) {
    case 'id':
      if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return { ok: true, value: String(value) };
      if (typeof value === 'string' && /^[0-9]{1,18}$/.test(value) && !/^0+$/.test(value)) return { ok: true, value: value.replace(/^0+/, '') };
      return { ok: false };
    case 'integer':
      if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return { ok: true, value };
      if (typeof value === 'string' && /^[1-9][0-9]{0,14}$/.test(value)) return { ok: true, value: Number(value) };
      return { ok: false };
    case 'string':
      return typeof value === 'string' && value.length > 0 && value.length <= 100 ? { ok: true, value } : { ok: false };
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : { ok: false };
    case 'date':
      return typeof value === 'string' && ISO_DATE.test(value) ? { ok: true, value } : { ok: false };
  }
}

/**
 * Parses a notification body: field names case-insensitively, unknown fields ignored (VTEX adds
 * `Version`, `SellerChain`…), every problem reported with the field's name as sent.
 * Hand-written rather than a JSON schema because the same field may arrive under several spellings.
 */
export function parseNotification(body: unknown): Notification {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw Errors.notificationInvalid([{ path: '(body)', message: 'must be a JSON object with at least IdSku and An' }]);
  }
  const out: Partial<Notification> = {};
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    const spec = FIELDS[name.toLowerCase()];
    if (!spec) continue;
    if (seen.has(spec.field)) {
      problems.push({ path: name, message: 'is given twice under different spellings' });
      continue;
    }
    seen.add(spec.field);
    // VTEX sends null for fields it has no value for; treat null like absent.
    if (value === null) continue;
    const result = coerce(spec.kind, value);
    if (result.ok) (out as Record<string, unknown>)[spec.field] = result.value;
    else problems.push({ path: name, message: EXPECTED[spec.kind] });
  }
  for (const [name, spec] of Object.entries(FIELDS)) {
    if (spec.required && out[spec.field] === undefined && !problems.some((p) => p.path.toLowerCase() === name)) {
      problems.push({ path: name === 'idsku' ? 'IdSku' : 'An', message: 'is required' });
    }
  }
  if (problems.length) throw Errors.notificationInvalid(problems);
  return out as Notification;
}
