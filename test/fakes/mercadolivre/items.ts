// Mercado Livre items: the stored shape, and the validation rules of POST /items and PUT /items/{id}. Every problem
// in a request is reported at once, in ML's `cause` format, so a client can be tested on showing the whole list.
import { hash32, isObject } from '../http.js';

export type FakeMlStatus = 'active' | 'paused' | 'closed';

export interface FakeMlPicture {
  id: string;
  url: string;
  secure_url: string;
}

export interface FakeMlAttribute {
  id: string;
  value_id: string | null;
  value_name: string | null;
}

export interface FakeMlItem {
  id: string;
  site_id: 'MLB';
  title: string;
  seller_id: number;
  category_id: string;
  price: number;
  base_price: number;
  currency_id: string;
  initial_quantity: number;
  available_quantity: number;
  sold_quantity: number;
  buying_mode: string;
  listing_type_id: string;
  condition: string;
  permalink: string;
  thumbnail: string;
  pictures: FakeMlPicture[];
  attributes: FakeMlAttribute[];
  status: FakeMlStatus;
  /** `out_of_stock` while ML keeps an item paused for lack of stock; `deleted` once deleted. */
  sub_status: string[];
  seller_custom_field: string | null;
  date_created: string;
  last_updated: string;
}

export interface MlCause {
  department: 'items';
  cause_id: number;
  type: 'error';
  code: string;
  references: string[];
  message: string;
}

/** `settings.max_title_length` of typical MLB categories. */
export const MAX_TITLE_LENGTH = 60;
export const MAX_PICTURES = 10;
const BUYING_MODES = ['buy_it_now', 'auction', 'classified'];
const LISTING_TYPES = ['gold_pro', 'gold_premium', 'gold_special', 'gold', 'silver', 'bronze', 'free'];
const CONDITIONS = ['new', 'used', 'not_specified'];
const STATUSES: readonly string[] = ['active', 'paused', 'closed'] satisfies FakeMlStatus[];
const REQUIRED_ON_CREATE = ['title', 'category_id', 'price', 'currency_id', 'available_quantity', 'buying_mode', 'listing_type_id', 'condition'];
const UPDATABLE = new Set(['title', 'price', 'available_quantity', 'status', 'pictures', 'attributes', 'seller_custom_field', 'deleted']);
/** Fields a closed item still accepts (close is idempotent; delete needs it closed). */
const ALLOWED_WHEN_CLOSED = new Set(['status', 'deleted']);

function cause(code: string, field: string, message: string): MlCause {
  return { department: 'items', cause_id: 100 + (hash32(code) % 900), type: 'error', code, references: [`item.${field}`], message };
}

/** Format rules per field: the problem with `value`, if any. */
const FIELD_RULES: Record<string, (value: unknown) => MlCause | undefined> = {
  title: (v) =>
    typeof v !== 'string' || v.trim() === ''
      ? cause('item.title.invalid', 'title', 'Title must be a non-empty string')
      : [...v].length > MAX_TITLE_LENGTH
        ? cause('item.title.length.invalid', 'title', `Title length must be ${MAX_TITLE_LENGTH} characters or less`)
        : undefined,
  category_id: (v) =>
    typeof v === 'string' && /^MLB\d+$/.test(v) ? undefined : cause('item.category_id.invalid', 'category_id', 'category_id must be an MLB category id, e.g. MLB1234'),
  price: (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : cause('item.price.invalid', 'price', 'Price must be a number greater than 0')),
  currency_id: (v) => (v === 'BRL' ? undefined : cause('item.currency_id.invalid', 'currency_id', 'currency_id must be BRL on site MLB')),
  available_quantity: (v) =>
    Number.isInteger(v) && (v as number) >= 0
      ? undefined
      : cause('item.available_quantity.invalid', 'available_quantity', 'available_quantity must be an integer >= 0'),
  buying_mode: (v) => oneOf(v, BUYING_MODES, 'buying_mode'),
  listing_type_id: (v) => oneOf(v, LISTING_TYPES, 'listing_type_id'),
  condition: (v) => oneOf(v, CONDITIONS, 'condition'),
  status: (v) => oneOf(v, STATUSES, 'status'),
  pictures: (v) =>
    !Array.isArray(v) || !v.every((p) => isObject(p) && typeof p.source === 'string' && /^https?:\/\//.test(p.source))
      ? cause('item.pictures.invalid', 'pictures', 'pictures must be an array of {source: "http(s)://…"}')
      : v.length > MAX_PICTURES
        ? cause('item.pictures.max', 'pictures', `An item can have at most ${MAX_PICTURES} pictures`)
        : undefined,
  attributes: (v) =>
    Array.isArray(v) &&
    v.every((a) => isObject(a) && typeof a.id === 'string' && (typeof a.value_name === 'string' || typeof a.value_id === 'string'))
      ? undefined
      : cause('item.attributes.invalid', 'attributes', 'attributes must be an array of {id, value_name | value_id}'),
  seller_custom_field: (v) =>
    typeof v === 'string' ? undefined : cause('item.seller_custom_field.invalid', 'seller_custom_field', 'seller_custom_field must be a string'),
};

function oneOf(value: unknown, allowed: readonly string[], field: string): MlCause | undefined {
  return typeof value === 'string' && allowed.includes(value)
    ? undefined
    : cause(`item.${field}.invalid`, field, `${field} must be one of: ${allowed.join(', ')}`);
}

function formatProblems(body: Record<string, unknown>, fields: Iterable<string>): MlCause[] {
  const causes: MlCause[] = [];
  for (const field of fields) {
    const problem = field in body ? FIELD_RULES[field]?.(body[field]) : undefined;
    if (problem) causes.push(problem);
  }
  return causes;
}

/** Every problem of a POST /items body. Unknown fields (and `status`: new items start active) are ignored, as ML
 * accepts many optional ones. */
export function validateNewItem(body: Record<string, unknown>): MlCause[] {
  const missing = REQUIRED_ON_CREATE.filter((f) => body[f] === undefined || body[f] === null);
  return [
    ...missing.map((f) => cause(`item.${f}.required`, f, `${f} is required`)),
    ...formatProblems(body, Object.keys(FIELD_RULES).filter((f) => f !== 'status' && !missing.includes(f))),
  ];
}

/** Every problem of a PUT /items/{id} body against the item's current state. */
export function validateItemUpdate(body: Record<string, unknown>, item: FakeMlItem): MlCause[] {
  const fields = Object.keys(body);
  const causes = fields.filter((f) => !UPDATABLE.has(f)).map((f) => cause('item.field.not_modifiable', f, `${f} cannot be modified`));
  causes.push(...formatProblems(body, fields));
  if (item.status === 'closed') {
    if (body.status === 'active' || body.status === 'paused') causes.push(cause('item.status.not_modifiable', 'status', 'A closed item cannot be reactivated'));
    for (const f of fields.filter((f) => UPDATABLE.has(f) && !ALLOWED_WHEN_CLOSED.has(f))) {
      causes.push(cause('item.status.closed', f, `The item is closed: ${f} cannot be modified`));
    }
  }
  if (typeof body.title === 'string' && body.title !== item.title && item.sold_quantity > 0) {
    causes.push(cause('item.title.not_modifiable', 'title', 'The title cannot be modified once the item has sales'));
  }
  if ('deleted' in body) {
    if (body.deleted !== 'true' && body.deleted !== true) causes.push(cause('item.deleted.invalid', 'deleted', 'deleted must be "true"'));
    else if (item.status !== 'closed') causes.push(cause('item.deleted.not_allowed', 'deleted', 'Only a closed item can be deleted: close it first'));
  }
  return causes;
}

export function toPictures(value: unknown): FakeMlPicture[] {
  return (value as { source: string }[]).map(({ source }) => ({
    id: `${hash32(source)}-MLB`,
    url: source,
    secure_url: source.replace(/^http:/, 'https:'),
  }));
}

export function toAttributes(value: unknown): FakeMlAttribute[] {
  return (value as Record<string, unknown>[]).map((a) => ({
    id: a.id as string,
    value_id: typeof a.value_id === 'string' ? a.value_id : null,
    value_name: typeof a.value_name === 'string' ? a.value_name : null,
  }));
}

/** ML pauses an active item that runs out of stock (sub_status out_of_stock) and reactivates it on restock. */
export function settleStock(item: FakeMlItem): void {
  if (item.status === 'active' && item.available_quantity === 0) {
    item.status = 'paused';
    item.sub_status = ['out_of_stock'];
  } else if (item.status === 'paused' && item.sub_status.includes('out_of_stock') && item.available_quantity > 0) {
    item.status = 'active';
    item.sub_status = [];
  }
}

/** Applies a validated PUT body. */
export function applyItemUpdate(item: FakeMlItem, body: Record<string, unknown>): void {
  if (typeof body.title === 'string') item.title = body.title;
  if (typeof body.price === 'number') item.price = item.base_price = body.price;
  if (typeof body.available_quantity === 'number') item.available_quantity = body.available_quantity;
  if (body.pictures !== undefined) item.pictures = toPictures(body.pictures);
  if (body.attributes !== undefined) {
    // ML merges attributes by id: the ones not sent keep their values.
    const byId = new Map(item.attributes.map((a) => [a.id, a]));
    for (const a of toAttributes(body.attributes)) byId.set(a.id, a);
    item.attributes = [...byId.values()];
  }
  if (typeof body.seller_custom_field === 'string') item.seller_custom_field = body.seller_custom_field;
  if (typeof body.status === 'string' && item.status !== 'closed') {
    item.status = body.status as FakeMlStatus;
    item.sub_status = []; // an explicit status replaces ML's automatic out_of_stock pause
  }
  if (body.deleted !== undefined) item.sub_status = ['deleted'];
  settleStock(item);
  item.last_updated = new Date().toISOString();
}
