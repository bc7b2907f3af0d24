/**
 * The XML records of SellerCenter's feeds, built from the payload the core made with the manifest's
 * field-mapping table. One `<Product>` per SKU for ProductCreate / ProductUpdate / ProductRemove, one
 * `<ProductImage>` per SKU for Image; the body is `<?xml …?><Request>…records…</Request>`, serialised
 * by fast-xml-parser's XMLBuilder (escaping included).
 */
import { XMLBuilder } from 'fast-xml-parser';
import { sellerCenterTimestamp } from './signature.js';

/** The payload as the manifest's fieldMappings build it (targets are SellerCenter's field names). */
export interface DafitiPayload {
  SellerSku?: string;
  Name?: string;
  Brand?: string;
  PrimaryCategory?: string;
  Description?: string;
  /** VTEX's list price, decimal. */
  Price?: number;
  /** VTEX's selling price, decimal. */
  SalePrice?: number;
  Quantity?: number;
  ProductId?: string;
  Variation?: string;
  /** `specList` output: `[{ name: <Dafiti attribute>, value }]`. */
  ProductData?: Array<{ name?: unknown; value?: unknown }>;
  Images?: string[];
}

export type XmlRecord = Record<string, string | Record<string, string | string[]>>;

const DAY_MS = 86_400_000;

const builder = new XMLBuilder({ format: false, suppressEmptyNode: false });

/**
 * Characters XML 1.0 cannot carry at all (C0 controls but tab and line breaks, lone surrogates, U+FFFE/F):
 * a VTEX description pasted from elsewhere may hold them, and one makes the whole feed malformed. The
 * builder escapes markup but does not drop these, so they are removed here.
 */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlText(value: unknown): string {
  return String(value ?? '').replace(NOT_XML, '');
}

/** SellerCenter's money: a dot and two decimals ("120.00"). */
export function money(value: number): string {
  return (Math.round(value * 100) / 100).toFixed(2);
}

const text = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  const s = xmlText(value).trim();
  return s === '' ? undefined : s;
};

const decimal = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

export interface PriceFields {
  Price: string;
  SalePrice?: string;
  SaleStartDate?: string;
  SaleEndDate?: string;
}

/**
 * Price and sale from VTEX's list and selling prices. Selling below list → Price = list, SalePrice =
 * selling, from now for `saleDays` (SellerCenter wants both dates with a SalePrice). Otherwise Price =
 * selling, and — on an update, where a sale may be running from an earlier price — SaleEndDate = now
 * ends it (SellerCenter keeps a SalePrice until its end date).
 */
export function priceFields(payload: DafitiPayload, options: { now: number; saleDays: number; endRunningSale: boolean }): PriceFields {
  const list = decimal(payload.Price);
  const selling = decimal(payload.SalePrice) ?? list ?? 0;
  if (list !== undefined && money(list) !== money(selling) && list > selling) {
    return {
      Price: money(list),
      SalePrice: money(selling),
      SaleStartDate: sellerCenterTimestamp(options.now),
      SaleEndDate: sellerCenterTimestamp(options.now + options.saleDays * DAY_MS),
    };
  }
  return { Price: money(selling), ...(options.endRunningSale ? { SaleEndDate: sellerCenterTimestamp(options.now) } : {}) };
}

/** `ProductData` from the specList rows: `{ Color: 'Azul', … }` (names are XML element names, checked by the settings schema). */
export function productData(rows: DafitiPayload['ProductData']): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const row of rows ?? []) {
    const name = text(row?.name);
    const value = text(row?.value);
    if (name && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && value) out[name] = value;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * A full `<Product>`: every field the payload has, on sale (`Status` active). Used for ProductCreate and
 * for ProductUpdate (an offer lot carries the whole payload: price and stock, and any catalogue change).
 */
export function productRecord(payload: DafitiPayload, sellerSku: string, options: { now: number; saleDays: number; update: boolean }): XmlRecord {
  const record: XmlRecord = { SellerSku: xmlText(sellerSku), Status: 'active' };
  for (const field of ['Name', 'Brand', 'PrimaryCategory', 'Description'] as const) {
    const value = text(payload[field]);
    if (value !== undefined) record[field] = value;
  }
  Object.assign(record, priceFields(payload, { now: options.now, saleDays: options.saleDays, endRunningSale: options.update }));
  record.Quantity = String(Math.max(0, Math.trunc(decimal(payload.Quantity) ?? 0)));
  const productId = text(payload.ProductId);
  if (productId) record.ProductId = productId;
  const variation = text(payload.Variation);
  if (variation) record.Variation = variation;
  const data = productData(payload.ProductData);
  if (data) record.ProductData = data;
  return record;
}

/** Off sale: inactive with no stock (the product stays on Dafiti, so it can come back with a ProductUpdate). */
export function withdrawRecord(sellerSku: string): XmlRecord {
  return { SellerSku: xmlText(sellerSku), Status: 'inactive', Quantity: '0' };
}

/** ProductRemove: only the SellerSku. */
export function removeRecord(sellerSku: string): XmlRecord {
  return { SellerSku: xmlText(sellerSku) };
}

/** The product's images, the first the main one (the Image feed replaces the whole set). */
export function imageRecord(sellerSku: string, images: readonly string[]): XmlRecord {
  return { SellerSku: xmlText(sellerSku), Images: { Image: images.map((url) => xmlText(url).trim()).filter(Boolean) } };
}

/** The URLs of a payload's images. */
export function imagesOf(payload: DafitiPayload): string[] {
  return (Array.isArray(payload.Images) ? payload.Images : []).map((url) => text(url)).filter((url): url is string => url !== undefined);
}

/** A feed's body: `<Request>` with one `<Product>` (or `<ProductImage>`) per record. */
export function feedXml(element: 'Product' | 'ProductImage', records: readonly XmlRecord[]): string {
  return `<?xml version="1.0" encoding="UTF-8" ?>\n${builder.build({ Request: { [element]: records } }) as string}`;
}
