// The listing model of the fake Amazon and the rules shared by the Listings Items API and the JSON_LISTINGS_FEED:
// attribute validation (shape, required attributes per product type, title length, offer attributes), JSON Patch on
// top-level attributes, and the `Item` shape of getListingsItem (Swagger model "Item").
import { isObject } from '../http.js';

export type Requirements = 'LISTING' | 'LISTING_PRODUCT_ONLY' | 'LISTING_OFFER_ONLY';
export type Severity = 'ERROR' | 'WARNING' | 'INFO';
export type AttributeValues = Record<string, unknown>[];

/** Swagger model "Issue" (Listings Items API). */
export interface AmazonIssue {
  code: string;
  message: string;
  severity: Severity;
  attributeNames?: string[];
  categories: string[];
}

export interface FakeAmazonListing {
  sku: string;
  /** Assigned by the fake when the listing is first catalogued. */
  asin: string;
  productType: string;
  requirements: Requirements;
  attributes: Record<string, AttributeValues>;
  createdDate: string;
  lastUpdatedDate: string;
}

export interface PatchOperation {
  op: 'add' | 'replace' | 'merge' | 'delete';
  path: string;
  value?: AttributeValues;
}

/** Amazon's documented title limit (`item_name`). */
export const MAX_ITEM_NAME_LENGTH = 200;
/** The attributes that carry the offer (price and stock): sending them for a SKU Amazon has not catalogued is an
 * "offer before its product". */
export const OFFER_ATTRIBUTES: readonly string[] = ['purchasable_offer', 'fulfillment_availability'];
/** Product-fact attributes the fake requires for a new listing when the options name none for its product type. */
export const DEFAULT_REQUIRED_ATTRIBUTES: readonly string[] = ['item_name', 'brand', 'condition_type'];
export const REQUIREMENTS: readonly Requirements[] = ['LISTING', 'LISTING_PRODUCT_ONLY', 'LISTING_OFFER_ONLY'];

/** Issue codes. 90220, 90000900 and 99022 are Amazon's (its Swagger sandbox and report example); the FAKE-… ones stand
 * for rules whose real code is not published. */
export const ISSUE = {
  missing: '90220',
  invalidAttributes: '90000900',
  missingPrice: '99022',
  tooLong: 'FAKE-VALUE-TOO-LONG',
  badValue: 'FAKE-INVALID-VALUE',
  badPath: 'FAKE-INVALID-PATCH-PATH',
  notFound: 'FAKE-SKU-NOT-FOUND',
  badProductType: 'FAKE-INVALID-PRODUCT-TYPE',
} as const;

export function issue(code: string, message: string, attributeNames: string[] = [], categories: string[] = [], severity: Severity = 'ERROR'): AmazonIssue {
  return { code, message, severity, ...(attributeNames.length > 0 && { attributeNames }), categories };
}

export interface ValidationContext {
  /** Marketplaces of the request; an attribute value naming another one is invalid. */
  marketplaceIds: readonly string[];
  /** Product-fact attributes required by this product type. */
  required: readonly string[];
}

/** Shape and value checks of an `attributes` object (every attribute is an array of objects, Amazon's format). */
export function validateAttributeValues(attributes: unknown, ctx: ValidationContext): AmazonIssue[] {
  if (!isObject(attributes)) return [issue(ISSUE.invalidAttributes, 'The attributes are invalid: "attributes" must be a JSON object keyed by attribute name.', [], ['INVALID_ATTRIBUTE'])];
  const issues: AmazonIssue[] = [];
  for (const [name, values] of Object.entries(attributes)) {
    if (!Array.isArray(values) || values.length === 0 || !values.every(isObject)) {
      issues.push(issue(ISSUE.invalidAttributes, `The attributes are invalid: '${name}' must be a non-empty array of objects, e.g. [{"value": …, "marketplace_id": …}].`, [name], ['INVALID_ATTRIBUTE']));
      continue;
    }
    for (const entry of values as Record<string, unknown>[]) {
      const mp = entry.marketplace_id;
      if (mp !== undefined && !ctx.marketplaceIds.includes(String(mp))) {
        issues.push(issue(ISSUE.badValue, `'${name}' names marketplace_id ${String(mp)}, which is not among the request's marketplaceIds (${ctx.marketplaceIds.join(', ')}).`, [name], ['INVALID_ATTRIBUTE']));
      }
    }
    issues.push(...checkAttribute(name, values as AttributeValues));
  }
  return issues;
}

function checkAttribute(name: string, values: AttributeValues): AmazonIssue[] {
  const issues: AmazonIssue[] = [];
  switch (name) {
    case 'item_name':
      for (const v of values) {
        if (typeof v.value !== 'string' || v.value.trim() === '') {
          issues.push(issue(ISSUE.badValue, "'item_name' needs a non-empty string \"value\".", [name], ['INVALID_ATTRIBUTE']));
        } else if ([...v.value].length > MAX_ITEM_NAME_LENGTH) {
          issues.push(issue(ISSUE.tooLong, `The value of 'item_name' is ${[...v.value].length} characters long; the maximum is ${MAX_ITEM_NAME_LENGTH}.`, [name], ['INVALID_ATTRIBUTE']));
        }
      }
      break;
    case 'fulfillment_availability':
      for (const v of values) {
        if (typeof v.fulfillment_channel_code !== 'string' || v.fulfillment_channel_code === '') {
          issues.push(issue(ISSUE.missing, "'fulfillment_availability.fulfillment_channel_code' is required but not supplied.", ['fulfillment_availability'], ['MISSING_ATTRIBUTE']));
        }
        if (v.fulfillment_channel_code === 'DEFAULT' && !(Number.isInteger(v.quantity) && (v.quantity as number) >= 0)) {
          issues.push(issue(ISSUE.badValue, `'fulfillment_availability.quantity' must be an integer >= 0 for the DEFAULT (merchant-fulfilled) channel (got ${JSON.stringify(v.quantity)}).`, ['fulfillment_availability'], ['INVALID_ATTRIBUTE']));
        }
      }
      break;
    case 'purchasable_offer':
      for (const v of values) {
        if (typeof v.currency !== 'string' || !/^[A-Z]{3}$/.test(v.currency)) {
          issues.push(issue(ISSUE.badValue, `'purchasable_offer.currency' must be an ISO 4217 code such as "BRL" (got ${JSON.stringify(v.currency)}).`, ['purchasable_offer'], ['INVALID_PRICE']));
        }
        const schedules = Array.isArray(v.our_price) ? (v.our_price as unknown[]).flatMap((p) => (isObject(p) && Array.isArray(p.schedule) ? p.schedule : [])) : [];
        if (schedules.length === 0) {
          issues.push(
            issue(
              ISSUE.missingPrice,
              "The field '\"prices\"' for the attribute 'purchasable_offer.our_price' does not have enough values. The required minimum is '1' value(s).",
              ['purchasable_offer.our_price'],
              ['MISSING_PRICE'],
            ),
          );
        }
        for (const s of schedules) {
          const price = isObject(s) ? s.value_with_tax : undefined;
          if (typeof price !== 'number' || !Number.isFinite(price) || price <= 0) {
            issues.push(issue(ISSUE.badValue, `'purchasable_offer.our_price.schedule.value_with_tax' must be a number > 0 (got ${JSON.stringify(price)}).`, ['purchasable_offer'], ['INVALID_PRICE']));
          }
        }
      }
      break;
    default:
  }
  return issues;
}

/** Required product facts missing from `attributes` (for a full create/replace with product requirements). */
export function missingRequired(attributes: Record<string, unknown>, required: readonly string[]): AmazonIssue[] {
  return required
    .filter((name) => attributes[name] === undefined)
    .map((name) => issue(ISSUE.missing, `'${name}' is required but not supplied.`, [name], ['MISSING_ATTRIBUTE']));
}

/** The attribute a patch path targets (`/attributes/fulfillment_availability` → `fulfillment_availability`), or
 * undefined when the path is not a top-level attribute (Amazon patches top-level attributes only). */
export function patchTarget(path: unknown): string | undefined {
  return typeof path === 'string' ? /^\/attributes\/([a-z0-9_]+)$/i.exec(path)?.[1] : undefined;
}

/** Structural checks of a `patches` array; returns the issues and the operations when they are usable. */
export function validatePatches(patches: unknown, ctx: ValidationContext): { issues: AmazonIssue[]; ops: PatchOperation[] } {
  if (!Array.isArray(patches) || patches.length === 0) {
    return { issues: [issue(ISSUE.invalidAttributes, '"patches" must be a non-empty array of JSON Patch operations.', [], ['INVALID_ATTRIBUTE'])], ops: [] };
  }
  const issues: AmazonIssue[] = [];
  const ops: PatchOperation[] = [];
  patches.forEach((p: unknown, i) => {
    if (!isObject(p) || !['add', 'replace', 'merge', 'delete'].includes(p.op as string)) {
      issues.push(issue(ISSUE.invalidAttributes, `patches[${i}].op must be one of add, replace, merge, delete.`, [], ['INVALID_ATTRIBUTE']));
      return;
    }
    const target = patchTarget(p.path);
    if (!target) {
      issues.push(issue(ISSUE.badPath, `patches[${i}].path ${JSON.stringify(p.path)} is not a top-level attribute path such as "/attributes/fulfillment_availability"; nested attributes cannot be patched.`, [], ['INVALID_ATTRIBUTE']));
      return;
    }
    if (p.op !== 'delete') {
      if (p.value === undefined) {
        issues.push(issue(ISSUE.invalidAttributes, `patches[${i}] (${String(p.op)} ${String(p.path)}) needs a "value".`, [target], ['INVALID_ATTRIBUTE']));
        return;
      }
      issues.push(...validateAttributeValues({ [target]: p.value }, ctx));
    }
    ops.push({ op: p.op as PatchOperation['op'], path: p.path as string, ...(p.value !== undefined && { value: p.value as AttributeValues }) });
  });
  return { issues, ops };
}

/** Keys that identify one entry of an attribute array, for `merge`. */
const ENTRY_KEYS = ['fulfillment_channel_code', 'marketplace_id', 'language_tag', 'currency', 'audience'];

function sameEntry(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = ENTRY_KEYS.filter((k) => a[k] !== undefined || b[k] !== undefined);
  return keys.length > 0 && keys.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

/** Applies JSON Patch operations to a copy of `attributes`. */
export function applyPatches(attributes: Record<string, AttributeValues>, ops: readonly PatchOperation[]): Record<string, AttributeValues> {
  const next = structuredClone(attributes);
  for (const op of ops) {
    const name = patchTarget(op.path)!;
    if (op.op === 'delete') {
      if (!op.value) delete next[name];
      else {
        next[name] = (next[name] ?? []).filter((e) => !op.value!.some((v) => sameEntry(e, v)));
        if (next[name].length === 0) delete next[name];
      }
    } else if (op.op === 'merge' && next[name]) {
      const merged = [...next[name]];
      for (const v of op.value!) {
        const at = merged.findIndex((e) => sameEntry(e, v));
        if (at >= 0) merged[at] = { ...merged[at], ...structuredClone(v) };
        else merged.push(structuredClone(v));
      }
      next[name] = merged;
    } else {
      next[name] = structuredClone(op.value!);
    }
  }
  return next;
}

/** True when `attributes` (or the patches) touch price or stock. */
export function touchesOffer(names: Iterable<string>): boolean {
  for (const n of names) if (OFFER_ATTRIBUTES.includes(n)) return true;
  return false;
}

function firstValue(listing: FakeAmazonListing, name: string): unknown {
  return listing.attributes[name]?.[0]?.value;
}

function price(listing: FakeAmazonListing): { currency: string; amount: number } | undefined {
  const offer = listing.attributes.purchasable_offer?.[0];
  const schedule = Array.isArray(offer?.our_price) ? (offer.our_price as Record<string, unknown>[])[0]?.schedule : undefined;
  const amount = Array.isArray(schedule) ? (schedule[0] as Record<string, unknown> | undefined)?.value_with_tax : undefined;
  return typeof amount === 'number' && typeof offer?.currency === 'string' ? { currency: offer.currency, amount } : undefined;
}

function quantity(listing: FakeAmazonListing): number {
  const entry = listing.attributes.fulfillment_availability?.find((e) => e.fulfillment_channel_code === 'DEFAULT');
  return typeof entry?.quantity === 'number' ? entry.quantity : 0;
}

/** BUYABLE needs a price and stock; DISCOVERABLE needs a title (and an offer on a product listing). */
export function listingStatus(listing: FakeAmazonListing): ('BUYABLE' | 'DISCOVERABLE')[] {
  const status: ('BUYABLE' | 'DISCOVERABLE')[] = [];
  const buyable = price(listing) !== undefined && quantity(listing) > 0;
  if (buyable) status.push('BUYABLE');
  if (buyable && firstValue(listing, 'item_name') !== undefined) status.push('DISCOVERABLE');
  return status;
}

export const INCLUDED_DATA = ['summaries', 'attributes', 'issues', 'offers', 'fulfillmentAvailability', 'procurement', 'relationships', 'productTypes'] as const;

/** getListingsItem's answer (Swagger model "Item") with the requested `includedData`. */
export function itemJson(listing: FakeAmazonListing, marketplaceId: string, includedData: readonly string[]): Record<string, unknown> {
  const item: Record<string, unknown> = { sku: listing.sku };
  if (includedData.includes('summaries')) {
    const condition = firstValue(listing, 'condition_type');
    const name = firstValue(listing, 'item_name');
    item.summaries = [
      {
        marketplaceId,
        asin: listing.asin,
        productType: listing.productType,
        ...(typeof condition === 'string' && { conditionType: condition }),
        status: listingStatus(listing),
        ...(typeof name === 'string' && { itemName: name }),
        createdDate: listing.createdDate,
        lastUpdatedDate: listing.lastUpdatedDate,
      },
    ];
  }
  if (includedData.includes('attributes')) item.attributes = structuredClone(listing.attributes);
  if (includedData.includes('issues')) item.issues = [];
  if (includedData.includes('offers')) {
    const p = price(listing);
    item.offers = p ? [{ marketplaceId, offerType: 'B2C', price: { currencyCode: p.currency, amount: String(p.amount) } }] : [];
  }
  if (includedData.includes('fulfillmentAvailability')) {
    item.fulfillmentAvailability = (listing.attributes.fulfillment_availability ?? []).map((e) => ({
      fulfillmentChannelCode: String(e.fulfillment_channel_code),
      ...(typeof e.quantity === 'number' && { quantity: e.quantity }),
    }));
  }
  if (includedData.includes('procurement')) item.procurement = [];
  if (includedData.includes('relationships')) item.relationships = [{ marketplaceId, relationships: [] }];
  if (includedData.includes('productTypes')) item.productTypes = [{ marketplaceId, productType: listing.productType }];
  return item;
}
