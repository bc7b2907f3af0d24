// Offers on a Mirakl marketplace, from an OF01 CSV line or an OF24 JSON offer: both become an OfferLine, and one set
// of rules turns a line into the stored offer. In NORMAL mode (OF01 default) and in OF24 every field a line leaves out
// is reset (quantity to 0, description and discount deleted…), as Mirakl documents for OF24; PARTIAL_UPDATE keeps them.
import { isObject } from '../http.js';

export type ImportMode = 'NORMAL' | 'PARTIAL_UPDATE' | 'REPLACE';
export const IMPORT_MODES: readonly ImportMode[] = ['NORMAL', 'PARTIAL_UPDATE', 'REPLACE'];

export interface FakeMiraklOffer {
  offerId: number;
  /** The seller's offer SKU. */
  shopSku: string;
  /** The catalogued product the offer sells (its `sku`). */
  productSku: string;
  productId: string;
  productIdType: string;
  price: number;
  quantity: number;
  /** Offer state code (11 = New). */
  state: string;
  description?: string;
  internalDescription?: string;
  discount?: { price: number; startDate?: string; endDate?: string };
  leadtimeToShip?: number;
  minQuantityAlert?: number;
  availableStarted?: string;
  availableEnded?: string;
  logisticClass?: string;
  /** Marketplace time (ISO-8601) of the last change. */
  updatedAt: string;
}

/** Every field an offer line can carry, as text; absent or '' = not provided. */
export interface OfferFields {
  productId?: string;
  productIdType?: string;
  price?: string;
  quantity?: string;
  state?: string;
  updateDelete?: string;
  description?: string;
  internalDescription?: string;
  discountPrice?: string;
  discountStartDate?: string;
  discountEndDate?: string;
  leadtimeToShip?: string;
  minQuantityAlert?: string;
  availableStarted?: string;
  availableEnded?: string;
  logisticClass?: string;
}

export interface OfferLine {
  /** Line in the CSV file (header = 1), or position in the OF24 `offers` array (first = 1). */
  line: number;
  sku: string;
  fields: OfferFields;
  /** The line as received, for the error report. */
  raw: Record<string, string>;
}

/** OF01 CSV columns (Mirakl's documented names) → fields. */
export const OF01_COLUMNS: Readonly<Record<string, keyof OfferFields>> = {
  'product-id': 'productId',
  'product-id-type': 'productIdType',
  price: 'price',
  quantity: 'quantity',
  state: 'state',
  'update-delete': 'updateDelete',
  description: 'description',
  'internal-description': 'internalDescription',
  'discount-price': 'discountPrice',
  'discount-start-date': 'discountStartDate',
  'discount-end-date': 'discountEndDate',
  'leadtime-to-ship': 'leadtimeToShip',
  'min-quantity-alert': 'minQuantityAlert',
  'available-start-date': 'availableStarted',
  'available-end-date': 'availableEnded',
  'logistic-class': 'logisticClass',
};

/** OF24 JSON keys (Mirakl's documented names) → fields; `discount` is an object handled apart. */
const OF24_KEYS: Readonly<Record<string, keyof OfferFields>> = {
  product_id: 'productId',
  product_id_type: 'productIdType',
  price: 'price',
  quantity: 'quantity',
  state_code: 'state',
  update_delete: 'updateDelete',
  description: 'description',
  internal_description: 'internalDescription',
  leadtime_to_ship: 'leadtimeToShip',
  min_quantity_alert: 'minQuantityAlert',
  available_started: 'availableStarted',
  available_ended: 'availableEnded',
  logistic_class: 'logisticClass',
};

export function lineFromCsv(line: number, values: Record<string, string>): OfferLine {
  const fields: OfferFields = {};
  for (const [column, field] of Object.entries(OF01_COLUMNS)) {
    const v = values[column];
    if (v !== undefined && v.trim() !== '') fields[field] = v.trim();
  }
  return { line, sku: (values.sku ?? '').trim(), fields, raw: values };
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value); // an object where a scalar belongs: kept, so validation can name it
}

export function lineFromJson(index: number, offer: Record<string, unknown>): OfferLine {
  const fields: OfferFields = {};
  for (const [key, field] of Object.entries(OF24_KEYS)) {
    const v = text(offer[key]);
    if (v !== undefined) fields[field] = v;
  }
  if (isObject(offer.discount)) {
    const d = offer.discount;
    const price = text(d.price);
    if (price !== undefined) fields.discountPrice = price;
    const start = text(d.start_date);
    if (start !== undefined) fields.discountStartDate = start;
    const end = text(d.end_date);
    if (end !== undefined) fields.discountEndDate = end;
  }
  const raw = Object.fromEntries(Object.entries(offer).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return { line: index + 1, sku: text(offer.shop_sku) ?? '', fields, raw };
}

function decimal(name: string, raw: string, errors: string[]): number | undefined {
  if (/^\d+,\d+$/.test(raw)) {
    errors.push(`${name} "${raw}" must use "." as decimal separator`);
    return undefined;
  }
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) {
    errors.push(`${name} "${raw}" must be a number greater than 0`);
    return undefined;
  }
  return Number(raw);
}

function count(name: string, raw: string, errors: string[]): number | undefined {
  if (!/^\d+$/.test(raw)) {
    errors.push(`${name} "${raw}" must be an integer >= 0`);
    return undefined;
  }
  return Number(raw);
}

function date(name: string, raw: string, errors: string[]): string | undefined {
  if (Number.isNaN(Date.parse(raw))) {
    errors.push(`${name} "${raw}" must be an ISO-8601 date`);
    return undefined;
  }
  return raw;
}

export interface BuildContext {
  mode: ImportMode;
  /** Label for messages: "state" (OF01) or "state_code" (OF24). */
  names: { price: string; quantity: string; state: string; discountPrice: string };
  states: readonly string[];
  existing: FakeMiraklOffer | undefined;
  product: { sku: string; productId: string; productIdType: string };
  offerId: number;
  now: string;
}

/** The offer a create/update line results in, or the errors that refuse it. */
export function buildOffer(line: OfferLine, ctx: BuildContext): { offer?: FakeMiraklOffer; errors: string[] } {
  const f = line.fields;
  const existing = ctx.existing;
  // PARTIAL_UPDATE of an existing offer: fields left out keep their value (`prev`); otherwise they are reset.
  const prev = ctx.mode === 'PARTIAL_UPDATE' ? existing : undefined;
  const errors: string[] = [];

  const price = f.price !== undefined ? decimal(ctx.names.price, f.price, errors) : prev?.price;
  if (f.price === undefined && !prev) errors.push(`${ctx.names.price} is required`);
  const quantity = f.quantity !== undefined ? count(ctx.names.quantity, f.quantity, errors) : (prev?.quantity ?? 0);
  const state = f.state ?? prev?.state;
  if (state === undefined) errors.push(`${ctx.names.state} is required (the offer state code, e.g. 11 for New)`);
  else if (!ctx.states.includes(state)) errors.push(`${ctx.names.state} "${state}" is not an offer state of this marketplace (${ctx.states.join(', ')})`);

  const optional = <T>(value: string | undefined, parse: (raw: string) => T | undefined, current: T | undefined): T | undefined =>
    value !== undefined ? parse(value) : current;
  const leadtimeToShip = optional(f.leadtimeToShip, (r) => count('leadtime-to-ship', r, errors), prev?.leadtimeToShip);
  const minQuantityAlert = optional(f.minQuantityAlert, (r) => count('min-quantity-alert', r, errors), prev?.minQuantityAlert);
  const availableStarted = optional(f.availableStarted, (r) => date('available-start-date', r, errors), prev?.availableStarted);
  const availableEnded = optional(f.availableEnded, (r) => date('available-end-date', r, errors), prev?.availableEnded);

  let discount = prev?.discount;
  if (f.discountPrice !== undefined) {
    const dp = decimal(ctx.names.discountPrice, f.discountPrice, errors);
    const start = f.discountStartDate !== undefined ? date('discount start date', f.discountStartDate, errors) : undefined;
    const end = f.discountEndDate !== undefined ? date('discount end date', f.discountEndDate, errors) : undefined;
    if (dp !== undefined && price !== undefined && dp >= price) errors.push(`${ctx.names.discountPrice} ${dp} must be lower than the price ${price}`);
    if (dp !== undefined) discount = { price: dp, ...(start && { startDate: start }), ...(end && { endDate: end }) };
  }
  if (errors.length > 0) return { errors };

  const offer: FakeMiraklOffer = {
    offerId: existing?.offerId ?? ctx.offerId,
    shopSku: line.sku,
    productSku: ctx.product.sku,
    productId: ctx.product.productId,
    productIdType: ctx.product.productIdType,
    price: price!,
    quantity: quantity!,
    state: state!,
    updatedAt: ctx.now,
  };
  const description = f.description ?? prev?.description;
  const internalDescription = f.internalDescription ?? prev?.internalDescription;
  const logisticClass = f.logisticClass ?? prev?.logisticClass;
  Object.assign(
    offer,
    description !== undefined && { description },
    internalDescription !== undefined && { internalDescription },
    discount !== undefined && { discount },
    leadtimeToShip !== undefined && { leadtimeToShip },
    minQuantityAlert !== undefined && { minQuantityAlert },
    availableStarted !== undefined && { availableStarted },
    availableEnded !== undefined && { availableEnded },
    logisticClass !== undefined && { logisticClass },
  );
  return { offer, errors };
}

/** OF21's shape of a stored offer. */
export function offerJson(offer: FakeMiraklOffer, shopId: number): Record<string, unknown> {
  return {
    offer_id: offer.offerId,
    shop_id: shopId,
    shop_sku: offer.shopSku,
    product_sku: offer.productSku,
    product_references: [{ reference_type: offer.productIdType, reference: offer.productId }],
    price: offer.price,
    quantity: offer.quantity,
    state_code: offer.state,
    active: offer.quantity > 0,
    description: offer.description ?? null,
    internal_description: offer.internalDescription ?? null,
    discount: offer.discount ? { discount_price: offer.discount.price, start_date: offer.discount.startDate ?? null, end_date: offer.discount.endDate ?? null } : null,
    leadtime_to_ship: offer.leadtimeToShip ?? null,
    min_quantity_alert: offer.minQuantityAlert ?? null,
    available_start_date: offer.availableStarted ?? null,
    available_end_date: offer.availableEnded ?? null,
    logistic_class: offer.logisticClass ? { code: offer.logisticClass } : null,
    last_updated: offer.updatedAt,
  };
}
