// Products on a Mirakl marketplace (P41 file imports): the operator's product format and its rules. Carrefour Brazil's
// rules (as VTEX's connector runs it) are the default: name, description, EAN, dimensions, weight and at least one
// image required, at most 5 images, single-SKU products only.
import { isValidGtin } from '../http.js';

export interface MiraklProductRules {
  /** Columns every product row must fill (the header must have them all, or the whole import fails). */
  required: readonly string[];
  /** Image columns are `image-1` … `image-N`; a value beyond `maxImages` is refused. */
  maxImages: number;
  /** Refuse rows that declare a variant group (multi-SKU products). */
  singleSku: boolean;
  /** Columns that must hold a number > 0 with a `.` decimal separator (dimensions in cm, weight in kg). */
  positiveNumbers: readonly string[];
  /** Column holding the EAN (GTIN-8/12/13/14, check digit verified). */
  eanColumn: string;
  /** Column holding the product title. */
  titleColumn: string;
}

/** The operator product format the fake speaks (inferred: each operator defines its own; these names are the fake's). */
export const MIRAKL_PRODUCT_COLUMNS = [
  'sku',
  'name',
  'description',
  'ean',
  'brand',
  'category',
  'height',
  'width',
  'depth',
  'weight',
  'image-1',
  'image-2',
  'image-3',
  'image-4',
  'image-5',
  'variant-group',
] as const;

export const CARREFOUR_BR_PRODUCT_RULES: MiraklProductRules = {
  required: ['sku', 'name', 'description', 'ean', 'height', 'width', 'depth', 'weight', 'image-1'],
  maxImages: 5,
  singleSku: true,
  positiveNumbers: ['height', 'width', 'depth', 'weight'],
  eanColumn: 'ean',
  titleColumn: 'name',
};

export type ProductStatus = 'catalogued' | 'rejected';

export interface FakeMiraklProduct {
  /** The seller's product SKU (column `sku`); offers reference it with product-id-type SHOP_SKU. */
  sku: string;
  ean?: string;
  name: string;
  status: ProductStatus;
  /** Every column of the row that catalogued it (frozen from then on). */
  data: Record<string, string>;
  importId: number;
  /** Marketplace time (ISO-8601). */
  at: string;
  rejectionReason?: string;
}

/** Columns the header lacks, for a whole-file failure. */
export function missingColumns(columns: readonly string[], rules: MiraklProductRules): string[] {
  return rules.required.filter((c) => !columns.includes(c));
}

/** Row-level problems, each naming the column and the fix. */
export function validateProductRow(values: Record<string, string>, rules: MiraklProductRules): string[] {
  const errors: string[] = [];
  for (const column of rules.required) {
    if ((values[column] ?? '').trim() === '') errors.push(`${column} is required`);
  }
  for (const column of rules.positiveNumbers) {
    const raw = (values[column] ?? '').trim();
    if (raw === '') continue;
    if (/^\d+,\d+$/.test(raw)) errors.push(`${column} "${raw}" must use "." as decimal separator`);
    else if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) errors.push(`${column} "${raw}" must be a number greater than 0`);
  }
  const ean = (values[rules.eanColumn] ?? '').trim();
  if (ean !== '' && !isValidGtin(ean)) errors.push(`${rules.eanColumn} "${ean}" is not a valid EAN/GTIN (8, 12, 13 or 14 digits with a correct check digit)`);
  for (const [column, raw] of Object.entries(values)) {
    const n = /^image-(\d+)$/.exec(column)?.[1];
    const url = raw.trim();
    if (n === undefined || url === '') continue;
    if (Number(n) > rules.maxImages) errors.push(`${column}: at most ${rules.maxImages} images are accepted`);
    else if (!/^https?:\/\/\S+$/.test(url)) errors.push(`${column} "${url}" must be an http(s) URL`);
  }
  if (rules.singleSku && (values['variant-group'] ?? '').trim() !== '') {
    errors.push('variant-group: only single-SKU products are accepted (one SKU per product, no variants)');
  }
  return errors;
}

/** The data that matters for "did the seller change a catalogued product": every column except blank ones. */
export function productData(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== '').map(([k, v]) => [k, v.trim()]));
}

/** Columns whose value differs between two product rows. */
export function changedColumns(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => (before[k] ?? '') !== (after[k] ?? '')).sort();
}
