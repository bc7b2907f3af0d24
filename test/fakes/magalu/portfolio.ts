// Magalu's seller portfolio (api.magalu.com/seller/v1/portfolios): the stored shapes of SKUs, prices and stocks, and
// the validation rules of their write endpoints. Every problem in a request is reported at once, as `details` of
// Magalu's error body (`{slug, message, details:[{field, location, slug, message}]}`, developers.magalu.com "Estrutura
// de erros"). The field limits are the documented ones ("Inserir SKU"); the detail messages are worded like the
// pydantic messages Magalu's API returns (public clients quote "List should have at least 2 items").
import { isObject, isValidGtin, isValidIsbn10 } from '../http.js';

export type MagaluCondition = 'NEW' | 'USED' | 'REMANUFACTURED';
/** `PUBLISHED` is documented (GET /skus); `UNPUBLISHED` for a deactivated SKU is inferred. */
export type MagaluSkuStatus = 'PUBLISHED' | 'UNPUBLISHED';

export interface MagaluIdentifier {
  type: 'ean' | 'isbn';
  value: string;
}

export interface MagaluSku {
  sku: string;
  title: string;
  description: string;
  brand: string;
  condition: MagaluCondition;
  perishable: boolean;
  group: { id: string; main_variation: boolean } | null;
  channels: { id: string }[];
  identifiers: MagaluIdentifier[];
  has_ean: boolean;
  /** false once deactivated (PATCH `{active:false}`, inferred: public clients send `active` in the SKU body). */
  active: boolean;
  status: MagaluSkuStatus;
  url_marketplace: { channel: string; url: string }[];
  /** Optional catalogue fields Magalu accepts (category, images, datasheet, attributes, dimensions, …), stored as sent. */
  extra: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface MagaluPrice {
  sku: string;
  channel: { id: string };
  /** Integer amounts in 1/normalizer of the currency: 5990 with normalizer 100 is R$ 59,90. */
  price: number;
  list_price: number;
  currency: 'BRL';
  normalizer: 100;
  updated_at: string;
}

export interface MagaluStock {
  sku: string;
  channel: { id: string } | null;
  branch: { id: string } | null;
  quantity: number;
  type: 'AVAILABLE';
  updated_at: string;
}

export interface MagaluDetail {
  field: string;
  location: 'body' | 'query' | 'path';
  slug: string;
  message: string;
}

/** Documented sizes of POST /seller/v1/portfolios/skus. */
export const SKU_LIMITS = { sku: 50, title: 150, description: 7000, brand: 100, groupId: 50 } as const;
const CONDITIONS: readonly string[] = ['NEW', 'USED', 'REMANUFACTURED'] satisfies MagaluCondition[];
/** Fields stored as sent, without rules of their own in the fake. */
const EXTRA_FIELDS = ['category', 'images', 'videos', 'podcasts', 'datasheet', 'attributes', 'dimensions', 'extra_data', 'fulfillment', 'type', 'origin'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function detail(field: string, message: string, slug = 'INVALID_PARAMETER_VALUE'): MagaluDetail {
  return { field, location: 'body', slug, message };
}

function text(body: Record<string, unknown>, field: string, max: number, required: boolean, out: MagaluDetail[]): void {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required) out.push(detail(field, 'Field required', 'MISSING_REQUIRED_FIELD'));
  } else if (typeof value !== 'string') out.push(detail(field, 'Input should be a valid string'));
  else if (value.trim().length < 1) out.push(detail(field, 'String should have at least 1 character'));
  else if ([...value].length > max) out.push(detail(field, `String should have at most ${max} characters`));
}

function identifierProblems(value: unknown, out: MagaluDetail[]): void {
  if (!Array.isArray(value)) return void out.push(detail('identifiers', 'Input should be a valid list'));
  value.forEach((entry: unknown, i) => {
    const at = `identifiers.${i}`;
    if (!isObject(entry)) return void out.push(detail(at, 'Input should be a valid object'));
    if (entry.type !== 'ean' && entry.type !== 'isbn') out.push(detail(`${at}.type`, "Input should be 'ean' or 'isbn'"));
    const code = entry.value;
    if (typeof code !== 'string' || !/^[\dX]{8,14}$/.test(code)) {
      out.push(detail(`${at}.value`, 'Identifier must be 8 to 14 digits'));
    } else if (!(isValidGtin(code) || (entry.type === 'isbn' && isValidIsbn10(code)))) {
      out.push(detail(`${at}.value`, `Invalid ${entry.type === 'isbn' ? 'ISBN' : 'EAN'} ${code}: wrong check digit`));
    }
  });
}

function channelProblems(value: unknown, known: readonly string[], out: MagaluDetail[]): void {
  if (!Array.isArray(value)) return void out.push(detail('channels', 'Input should be a valid list'));
  if (value.length === 0) return void out.push(detail('channels', 'List should have at least 1 item after validation, not 0'));
  value.forEach((entry: unknown, i) => {
    const id = isObject(entry) ? entry.id : undefined;
    if (typeof id !== 'string' || !UUID.test(id)) out.push(detail(`channels.${i}.id`, 'Input should be a valid UUID'));
    else if (!known.includes(id)) out.push(detail(`channels.${i}.id`, `Channel ${id} is not enabled for this seller`));
  });
}

function optionalProblems(body: Record<string, unknown>, out: MagaluDetail[]): void {
  if (body.condition !== undefined && !CONDITIONS.includes(body.condition as string)) {
    out.push(detail('condition', `Input should be ${CONDITIONS.map((c) => `'${c}'`).join(', ')}`));
  }
  if (body.perishable !== undefined && typeof body.perishable !== 'boolean') out.push(detail('perishable', 'Input should be a valid boolean'));
  if (body.active !== undefined && typeof body.active !== 'boolean') out.push(detail('active', 'Input should be a valid boolean'));
  if (body.group !== undefined && body.group !== null) {
    const g = body.group;
    if (!isObject(g)) out.push(detail('group', 'Input should be a valid object'));
    else {
      if (typeof g.id !== 'string' || g.id.length < 1 || g.id.length > SKU_LIMITS.groupId) {
        out.push(detail('group.id', `String should have 1 to ${SKU_LIMITS.groupId} characters`));
      }
      if (typeof g.main_variation !== 'boolean') out.push(detail('group.main_variation', 'Field required'));
    }
  }
}

/** Every problem of a POST /seller/v1/portfolios/skus body. */
export function validateNewSku(body: Record<string, unknown>, channels: readonly string[]): MagaluDetail[] {
  const out: MagaluDetail[] = [];
  text(body, 'sku', SKU_LIMITS.sku, true, out);
  text(body, 'title', SKU_LIMITS.title, true, out);
  text(body, 'description', SKU_LIMITS.description, true, out);
  text(body, 'brand', SKU_LIMITS.brand, true, out);
  if (body.channels === undefined) out.push(detail('channels', 'Field required', 'MISSING_REQUIRED_FIELD'));
  else channelProblems(body.channels, channels, out);
  if (body.identifiers === undefined) out.push(detail('identifiers', 'Field required', 'MISSING_REQUIRED_FIELD'));
  else identifierProblems(body.identifiers, out);
  optionalProblems(body, out);
  return out;
}

/** Every problem of a PATCH /seller/v1/portfolios/skus/{sku} body (partial: only the fields sent are checked). */
export function validateSkuPatch(body: Record<string, unknown>, channels: readonly string[]): MagaluDetail[] {
  const out: MagaluDetail[] = [];
  if ('sku' in body) out.push(detail('sku', 'The SKU code cannot be changed'));
  for (const [field, max] of [
    ['title', SKU_LIMITS.title],
    ['description', SKU_LIMITS.description],
    ['brand', SKU_LIMITS.brand],
  ] as const) {
    if (field in body) text(body, field, max, true, out);
  }
  if ('channels' in body) channelProblems(body.channels, channels, out);
  if ('identifiers' in body) identifierProblems(body.identifiers, out);
  optionalProblems(body, out);
  return out;
}

export function newSku(body: Record<string, unknown>, now: string): MagaluSku {
  const sku: MagaluSku = {
    sku: body.sku as string,
    title: '',
    description: '',
    brand: '',
    condition: 'NEW',
    perishable: false,
    group: null,
    channels: [],
    identifiers: [],
    has_ean: false,
    active: true,
    status: 'PUBLISHED',
    url_marketplace: [],
    extra: {},
    created_at: now,
    updated_at: now,
  };
  applySkuPatch(sku, body, now);
  return sku;
}

/** Applies a validated body (create or PATCH) to a stored SKU. */
export function applySkuPatch(sku: MagaluSku, body: Record<string, unknown>, now: string): void {
  if (typeof body.title === 'string') sku.title = body.title;
  if (typeof body.description === 'string') sku.description = body.description;
  if (typeof body.brand === 'string') sku.brand = body.brand;
  if (typeof body.condition === 'string') sku.condition = body.condition as MagaluCondition;
  if (typeof body.perishable === 'boolean') sku.perishable = body.perishable;
  if (isObject(body.group)) sku.group = { id: body.group.id as string, main_variation: body.group.main_variation as boolean };
  if (Array.isArray(body.channels)) {
    sku.channels = body.channels.map((c) => ({ id: (c as { id: string }).id }));
    sku.url_marketplace = sku.channels.map((c) => ({ channel: c.id, url: `https://www.magazineluiza.com.br/p/${encodeURIComponent(sku.sku)}/` }));
  }
  if (Array.isArray(body.identifiers)) {
    sku.identifiers = body.identifiers.map((i) => ({ type: (i as MagaluIdentifier).type, value: (i as MagaluIdentifier).value }));
    sku.has_ean = sku.identifiers.some((i) => i.type === 'ean');
  }
  if (typeof body.active === 'boolean') {
    sku.active = body.active;
    sku.status = body.active ? 'PUBLISHED' : 'UNPUBLISHED';
  }
  for (const field of EXTRA_FIELDS) if (field in body) sku.extra[field] = structuredClone(body[field]);
  sku.updated_at = now;
}

/** The SKU as GET answers it: the documented fields, then the optional catalogue fields as sent. */
export function skuJson(sku: MagaluSku): Record<string, unknown> {
  const { extra, ...fields } = sku;
  return { ...structuredClone(fields), ...structuredClone(extra) };
}

/** Every problem of a price body; `price`/`list_price` are integers in 1/100 of a real (normalizer 100). */
export function validatePrice(body: Record<string, unknown>, channels: readonly string[]): MagaluDetail[] {
  const out: MagaluDetail[] = [];
  const channelId = isObject(body.channel) ? body.channel.id : undefined;
  if (body.channel === undefined) out.push(detail('channel', 'Field required', 'MISSING_REQUIRED_FIELD'));
  else if (typeof channelId !== 'string' || !UUID.test(channelId)) out.push(detail('channel.id', 'Input should be a valid UUID'));
  else if (!channels.includes(channelId)) out.push(detail('channel.id', `Channel ${channelId} is not enabled for this seller`));
  // Magalu defaults the currency to USD when it is left out (public clients learned it the hard way): require BRL.
  if (body.currency !== 'BRL')
    out.push(detail('currency', body.currency === undefined ? 'Field required: send "BRL"' : 'Only BRL is accepted for this seller'));
  if (body.normalizer !== undefined && body.normalizer !== 100) out.push(detail('normalizer', 'Input should be 100 (amounts in cents)'));
  for (const field of ['price', 'list_price']) {
    const v = body[field];
    if (v === undefined) out.push(detail(field, 'Field required', 'MISSING_REQUIRED_FIELD'));
    else if (!Number.isInteger(v)) out.push(detail(field, 'Input should be a valid integer (cents, normalizer 100)'));
    else if ((v as number) <= 0) out.push(detail(field, 'Input should be greater than 0'));
  }
  if (Number.isInteger(body.price) && Number.isInteger(body.list_price) && (body.list_price as number) < (body.price as number)) {
    out.push(detail('list_price', 'list_price (the "from" price) must be greater than or equal to price'));
  }
  return out;
}

/** Every problem of a stock body. */
export function validateStock(body: Record<string, unknown>, channels: readonly string[]): MagaluDetail[] {
  const out: MagaluDetail[] = [];
  if (body.quantity === undefined) out.push(detail('quantity', 'Field required', 'MISSING_REQUIRED_FIELD'));
  else if (!Number.isInteger(body.quantity) || (body.quantity as number) < 0)
    out.push(detail('quantity', 'Input should be an integer greater than or equal to 0'));
  if (body.type === undefined) out.push(detail('type', 'Field required', 'MISSING_REQUIRED_FIELD'));
  else if (body.type !== 'AVAILABLE') out.push(detail('type', "Input should be 'AVAILABLE'"));
  if (body.channel !== undefined) {
    const id = isObject(body.channel) ? body.channel.id : undefined;
    if (typeof id !== 'string' || !channels.includes(id)) out.push(detail('channel.id', 'Channel is not enabled for this seller'));
  }
  if (body.branch !== undefined && !(isObject(body.branch) && typeof body.branch.id === 'string'))
    out.push(detail('branch.id', 'Input should be a valid string'));
  return out;
}
