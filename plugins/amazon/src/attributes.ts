/**
 * The payload the core builds from the manifest's fieldMappings is flat and in VTEX's words (`item_name`, `price`,
 * `quantity`, `images`, …): one top-level key per thing the seller can change, so `changed` (the keys that differ from
 * the last delivery) says exactly which Amazon attributes a PATCH must carry. This module turns it into Amazon's
 * attribute format — every attribute an array of `{ value, language_tag?, marketplace_id }` objects — and into the
 * bodies and feed messages the Listings Items API and JSON_LISTINGS_FEED take.
 */

/** The integration-wide facts every attribute needs. */
export interface AttributeContext {
  /** Amazon marketplace id, e.g. A2Q3Y263D00KWC (Amazon.com.br). */
  marketplaceId: string;
  /** Language of the texts, e.g. pt_BR. */
  languageTag: string;
  /** Fulfilment channel of the stock: DEFAULT = merchant-fulfilled. */
  fulfillmentChannelCode: string;
}

export type AttributeValues = Record<string, unknown>[];
export type Attributes = Record<string, AttributeValues>;

export interface PatchOperation {
  op: 'add' | 'replace' | 'merge' | 'delete';
  path: string;
  value?: AttributeValues;
}

/** Amazon takes one main image and up to eight others. */
export const MAX_OTHER_IMAGES = 8;
const OTHER_IMAGE = (n: number) => `other_product_image_locator_${n}`;

/** Payload keys that identify the listing rather than describe it: never patched. */
const IDENTITY_KEYS = new Set(['sku', 'productType']);

const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/** The Amazon attributes one payload key fills (each written whole on a PATCH of that key). */
export function attributesOf(key: string, payload: Record<string, unknown>, c: AttributeContext): Attributes {
  const mp = { marketplace_id: c.marketplaceId };
  const text = (value: unknown): AttributeValues => [{ value, language_tag: c.languageTag, ...mp }];
  const value = payload[key];
  switch (key) {
    case 'item_name':
    case 'brand':
    case 'product_description':
      return isEmpty(value) ? {} : { [key]: text(value) };
    case 'condition_type':
    case 'part_number':
      return isEmpty(value) ? {} : { [key]: [{ value, ...mp }] };
    case 'ean':
      return isEmpty(value) ? {} : { externally_assigned_product_identifier: [{ type: 'ean', value, ...mp }] };
    case 'images': {
      const urls = (Array.isArray(value) ? value : []).filter((u): u is string => typeof u === 'string' && u !== '');
      const out: Attributes = {};
      if (urls[0]) out.main_product_image_locator = [{ media_location: urls[0], ...mp }];
      urls.slice(1, 1 + MAX_OTHER_IMAGES).forEach((url, i) => {
        out[OTHER_IMAGE(i + 1)] = [{ media_location: url, ...mp }];
      });
      return out;
    }
    case 'package_weight':
      return typeof value === 'number' && value > 0 ? { item_package_weight: [{ value, unit: 'grams', ...mp }] } : {};
    case 'package_dimensions': {
      const d = (value ?? {}) as Record<string, unknown>;
      const dims = ['length', 'width', 'height'] as const;
      if (!dims.every((k) => typeof d[k] === 'number' && (d[k] as number) > 0)) return {};
      return { item_package_dimensions: [{ ...Object.fromEntries(dims.map((k) => [k, { value: d[k], unit: 'centimeters' }])), ...mp }] };
    }
    case 'extra_attributes': {
      const out: Attributes = {};
      for (const entry of Array.isArray(value) ? value : []) {
        const { name, value: v } = (entry ?? {}) as { name?: unknown; value?: unknown };
        if (typeof name === 'string' && /^[a-z0-9_]+$/.test(name) && !isEmpty(v)) out[name] = text(v);
      }
      return out;
    }
    case 'price':
    case 'currency':
      return typeof payload.price === 'number'
        ? { purchasable_offer: [{ currency: payload.currency ?? 'BRL', our_price: [{ schedule: [{ value_with_tax: payload.price }] }], ...mp }] }
        : {};
    case 'list_price':
      return typeof value === 'number' && value > 0 ? { list_price: [{ currency: payload.currency ?? 'BRL', value, ...mp }] } : {};
    case 'quantity':
      return typeof value === 'number' ? { fulfillment_availability: [stockEntry(value, c)] } : {};
    default:
      return {};
  }
}

function stockEntry(quantity: number, c: AttributeContext): Record<string, unknown> {
  return { fulfillment_channel_code: c.fulfillmentChannelCode, quantity: Math.max(0, Math.trunc(quantity)) };
}

/** Every Amazon attribute of a payload (a full create or replace). */
export function toAttributes(payload: Record<string, unknown>, c: AttributeContext): Attributes {
  const out: Attributes = {};
  for (const key of Object.keys(payload)) if (!IDENTITY_KEYS.has(key)) Object.assign(out, attributesOf(key, payload, c));
  return out;
}

/**
 * JSON Patch operations writing the attributes of `keys` (all of the payload's when undefined): `replace` for each
 * attribute filled, `delete` for the image slots a shorter image list leaves empty, so Amazon does not keep a removed
 * picture.
 */
export function toPatches(payload: Record<string, unknown>, c: AttributeContext, keys?: readonly string[]): PatchOperation[] {
  const wanted = (keys ?? Object.keys(payload)).filter((k) => !IDENTITY_KEYS.has(k));
  // price and currency write the same attribute; list_price goes with a price change (same currency).
  const expanded = new Set(wanted);
  if (expanded.has('price') || expanded.has('currency')) {
    expanded.delete('currency');
    expanded.add('price');
    if (payload.list_price !== undefined) expanded.add('list_price');
  }
  const patches: PatchOperation[] = [];
  for (const key of expanded) {
    const attributes = attributesOf(key, payload, c);
    for (const [name, value] of Object.entries(attributes)) patches.push({ op: 'replace', path: `/attributes/${name}`, value });
    if (key === 'images') {
      const others = Object.keys(attributes).filter((n) => n.startsWith('other_product_image_locator_')).length;
      for (let n = others + 1; n <= MAX_OTHER_IMAGES; n++) patches.push({ op: 'delete', path: `/attributes/${OTHER_IMAGE(n)}` });
    }
  }
  return patches;
}

/** Stock 0: Amazon has no "inactive" flag for a merchant-fulfilled offer; a listing without stock is not buyable. */
export function deactivationPatches(c: AttributeContext): PatchOperation[] {
  return [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [stockEntry(0, c)] }];
}

/** Body of putListingsItem (ListingsItemPutRequest): product facts and offer together (requirements LISTING). */
export function putBody(payload: Record<string, unknown>, c: AttributeContext): { productType: string; requirements: 'LISTING'; attributes: Attributes } {
  return { productType: String(payload.productType), requirements: 'LISTING', attributes: toAttributes(payload, c) };
}

/** Body of patchListingsItem (ListingsItemPatchRequest). */
export function patchBody(productType: string, patches: PatchOperation[]): { productType: string; patches: PatchOperation[] } {
  return { productType, patches };
}

// ---- JSON_LISTINGS_FEED (schema v2) ----

export type FeedMessage =
  | { messageId: number; sku: string; operationType: 'UPDATE'; productType: string; requirements: 'LISTING'; attributes: Attributes }
  | { messageId: number; sku: string; operationType: 'PARTIAL_UPDATE'; productType: string; attributes: Attributes }
  | { messageId: number; sku: string; operationType: 'PATCH'; productType: string; patches: PatchOperation[] }
  | { messageId: number; sku: string; operationType: 'DELETE' };

export interface FeedDocument {
  header: { sellerId: string; version: '2.0'; issueLocale?: string; report: { includedData: ['summaries']; apiVersion: '2021-08-01' } };
  messages: FeedMessage[];
}

/** A new listing: every attribute, product facts and offer (an UPDATE with requirements LISTING creates it with its offer). */
export function updateMessage(messageId: number, payload: Record<string, unknown>, c: AttributeContext): FeedMessage {
  return { messageId, sku: String(payload.sku), operationType: 'UPDATE', productType: String(payload.productType), requirements: 'LISTING', attributes: toAttributes(payload, c) };
}

/**
 * A listing Amazon already has: PARTIAL_UPDATE (= PATCH "replace") of every attribute the payload fills, so attributes
 * the seller added in Seller Central and the connector does not map are kept — UPDATE would erase them.
 */
export function partialUpdateMessage(messageId: number, payload: Record<string, unknown>, c: AttributeContext): FeedMessage {
  return { messageId, sku: String(payload.sku), operationType: 'PARTIAL_UPDATE', productType: String(payload.productType), attributes: toAttributes(payload, c) };
}

/** Off sale: PARTIAL_UPDATE of the stock to 0 (the listing and its catalogue data stay). */
export function withdrawMessage(messageId: number, sku: string, productType: string, c: AttributeContext): FeedMessage {
  return { messageId, sku, operationType: 'PARTIAL_UPDATE', productType, attributes: { fulfillment_availability: [stockEntry(0, c)] } };
}

/** The listing removed from Amazon. */
export function deleteMessage(messageId: number, sku: string): FeedMessage {
  return { messageId, sku, operationType: 'DELETE' };
}

export function feedDocument(sellerId: string, messages: FeedMessage[], issueLocale?: string): FeedDocument {
  // includedData "summaries": the processing report then lists each accepted listing with its product type and ASIN.
  return { header: { sellerId, version: '2.0', ...(issueLocale && { issueLocale }), report: { includedData: ['summaries'], apiVersion: '2021-08-01' } }, messages };
}

// ---- the connector's id for a listing ----

/**
 * The id the core stores for a listing: `<productType>:<seller SKU>`. Amazon addresses a listing by seller SKU, but
 * every PATCH (and the stock-0 message of a withdrawal, whose payload is empty) must name the listing's product type,
 * which cannot change once catalogued: keeping it in the id saves a read per withdrawal.
 */
export function listingId(productType: string, sku: string): string {
  return `${productType}:${sku}`;
}

export function parseListingId(id: string): { productType: string; sku: string } | undefined {
  const at = id.indexOf(':');
  return at > 0 && at < id.length - 1 ? { productType: id.slice(0, at), sku: id.slice(at + 1) } : undefined;
}
