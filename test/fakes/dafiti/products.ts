// Dafiti's SellerCenter products: the stored model, the synchronous format checks a call fails on at once (SellerCenter's
// "1000 Format Error Detected" with one ErrorDetail per field), and the field rules checked when the feed is processed.
import { isObject } from '../http.js';

export type ProductStatus = 'active' | 'inactive' | 'deleted';
export const PRODUCT_STATUSES: readonly ProductStatus[] = ['active', 'inactive', 'deleted'];

export interface FakeDafitiProduct {
  SellerSku: string;
  /** Assigned by SellerCenter when the product is created. */
  ShopSku: string;
  Name: string;
  Brand: string;
  Description: string;
  PrimaryCategory: string;
  Categories?: string;
  Price: number;
  SalePrice?: number;
  SaleStartDate?: string;
  SaleEndDate?: string;
  Quantity: number;
  Status: ProductStatus;
  ProductId?: string;
  ParentSku?: string;
  Variation?: string;
  Condition?: string;
  Images: string[];
  ProductData: Record<string, string>;
  /** Marketplace time (ISO-8601). */
  createdAt: string;
  updatedAt: string;
}

/** One ErrorDetail of a synchronous "Format Error Detected". */
export interface FormatError {
  Field: string;
  Message: string;
  Value: string;
  SellerSku: string;
}

/** A record of a request body: element name → text (nested elements as objects). */
export type XmlRecord = Record<string, unknown>;

/** Documented message for price fields. */
const PRICE_MESSAGE = 'Field must contain a positive number with a dot as decimal separator and 2 decimals (e.g. 120.00)';

export function str(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined; // nested element where text was expected: treated as absent by the caller's checks
}

/** Fields every write action checks at once, before any feed is created. */
export function formatErrors(records: readonly XmlRecord[], action: string): FormatError[] {
  const errors: FormatError[] = [];
  records.forEach((record) => {
    const sku = str(record.SellerSku)?.trim() ?? '';
    const push = (Field: string, Message: string, Value: unknown) => errors.push({ Field, Message, Value: str(Value) ?? '', SellerSku: sku });
    if (sku === '') push('SellerSku', 'Field SellerSku is mandatory', record.SellerSku);
    for (const field of ['Price', 'SalePrice']) {
      const v = str(record[field]);
      if (v !== undefined && v !== '' && !/^\d+(\.\d{1,2})?$/.test(v)) push(field, PRICE_MESSAGE, v);
    }
    const qty = str(record.Quantity);
    if (qty !== undefined && qty !== '' && !/^\d+$/.test(qty)) push('Quantity', 'Field must contain a non-negative integer', qty);
    const status = str(record.Status);
    if (status !== undefined && status !== '' && !PRODUCT_STATUSES.includes(status as ProductStatus)) push('Status', `Field must be one of ${PRODUCT_STATUSES.join(', ')}`, status);
    const category = str(record.PrimaryCategory);
    if (category !== undefined && category !== '' && !/^\d+$/.test(category)) push('PrimaryCategory', 'Field must contain a category id (an integer)', category);
    for (const field of ['SaleStartDate', 'SaleEndDate']) {
      const v = str(record[field]);
      if (v !== undefined && v !== '' && Number.isNaN(Date.parse(v))) push(field, 'Field must contain a date (YYYY-MM-DD HH:MM:SS or ISO-8601)', v);
    }
    if (action === 'Image') {
      for (const url of imagesOf(record)) if (!/^https?:\/\/\S+$/.test(url)) push('Image', 'Field must contain an http(s) URL', url);
    }
  });
  return errors;
}

/** The image URLs of an Image record (`<Images><Image>url</Image>…</Images>`). */
export function imagesOf(record: XmlRecord): string[] {
  const images = isObject(record.Images) ? record.Images.Image : undefined;
  const list: unknown[] = Array.isArray(images) ? images : images === undefined ? [] : [images];
  return list.map((i) => str(i)?.trim() ?? '').filter((u) => u !== '');
}

/** "Field Brand with value 'ASM' has a problem: …", SellerCenter's wording for feed errors. */
export function fieldProblem(field: string, value: unknown, problem: string): string {
  return `Field ${field} with value '${str(value) ?? ''}' has a problem: ${problem}`;
}

export function money(value: number): string {
  return value.toFixed(2);
}
