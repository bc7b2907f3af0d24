// SkyHub (B2W / Americanas) products: the stored shape, SkyHub's lists (brands, categories with their attributes) and
// the validation of POST /products, PUT /products/{sku} and PUT /variations/{sku}, including the rules in force since
// 2025-03-31 (category and attributes in the product JSON, brand from SkyHub's list, price and promotional price never
// 0 or null). SkyHub answers errors as `{error: "message"}`, so every problem is joined into that one message.
import { isObject, isValidGtin } from '../http.js';

export type SkyhubStatus = 'enabled' | 'disabled';

export interface SkyhubVariation {
  sku: string;
  qty: number;
  ean: string | null;
  /** Missing values are inherited from the parent product (SkyHub's "herança de atributos"). */
  price: number | null;
  promotional_price: number | null;
  images: string[];
  specifications: { key: string; value: string }[];
}

export interface SkyhubProduct {
  sku: string;
  name: string;
  description: string;
  status: SkyhubStatus;
  qty: number;
  price: number;
  promotional_price: number;
  cost: number | null;
  weight: number;
  height: number;
  width: number;
  length: number;
  /** The id of a brand in SkyHub's list. */
  brand: string;
  ean: string | null;
  nbm: string | null;
  crossdocking: number | null;
  categories: { code: string; name: string }[];
  images: string[];
  specifications: { key: string; value: string }[];
  variations: SkyhubVariation[];
  variation_attributes: string[];
  created_at: string;
  updated_at: string;
}

export interface SkyhubBrand {
  id: string;
  name: string;
}

export interface SkyhubCategory {
  code: string;
  name: string;
  /** The category's attributes: `key` goes in `specifications`; `values`, when given, is the closed list. */
  attributes: { key: string; required: boolean; values?: readonly string[] }[];
}

export const DEFAULT_SKYHUB_BRANDS: readonly SkyhubBrand[] = [
  { id: '1001', name: 'Aurora' },
  { id: '1002', name: 'Nortec' },
  { id: '1003', name: 'Vento Sul' },
  { id: '1004', name: 'Nike' },
  { id: '1005', name: 'Adidas' },
];

export const DEFAULT_SKYHUB_CATEGORIES: readonly SkyhubCategory[] = [
  {
    code: '2001',
    name: 'Calçados > Tênis > Corrida',
    attributes: [
      { key: 'Gênero', required: true, values: ['Masculino', 'Feminino', 'Unissex'] },
      { key: 'Cor', required: true },
      { key: 'Tamanho', required: false },
      { key: 'Material', required: false },
    ],
  },
  {
    code: '2002',
    name: 'Eletrônicos > Áudio > Fones',
    attributes: [
      { key: 'Conectividade', required: true, values: ['Bluetooth', 'Com fio'] },
      { key: 'Cor', required: false },
    ],
  },
  { code: '2003', name: 'Casa > Cozinha > Panelas', attributes: [{ key: 'Material', required: true }] },
];

const MAX_NAME = 255; // inferred: SkyHub publishes no title limit
const URL_RE = /^https?:\/\/\S+$/;
const STATUSES: readonly string[] = ['enabled', 'disabled'] satisfies SkyhubStatus[];

export interface SkyhubLists {
  brands: readonly SkyhubBrand[];
  categories: readonly SkyhubCategory[];
}

function positive(value: unknown, field: string, out: string[], what = 'must be greater than 0'): void {
  if (value === null) out.push(`${field} cannot be null`);
  else if (typeof value !== 'number' || !Number.isFinite(value)) out.push(`${field} must be a number`);
  else if (value <= 0) out.push(`${field} ${what}`);
}

function specProblems(specs: unknown, at: string, out: string[]): specs is { key: string; value: string }[] {
  const ok = Array.isArray(specs) && specs.every((s) => isObject(s) && typeof s.key === 'string' && typeof s.value === 'string');
  if (!ok) out.push(`${at} must be a list of {key, value} strings`);
  return ok;
}

function imageProblems(images: unknown, at: string, out: string[], required: boolean): void {
  if (!Array.isArray(images)) return void out.push(`${at} must be a list of image URLs`);
  if (required && images.length === 0) out.push(`${at} needs at least one image`);
  images.forEach((img: unknown, i) => {
    if (!(typeof img === 'string' && URL_RE.test(img))) out.push(`${at}[${i}] must be an http(s) URL`);
  });
}

/** Category-attribute rules: every key belongs to the category, closed lists hold, required ones are present. */
function categoryAttributeProblems(category: SkyhubCategory, specs: { key: string; value: string }[], at: string, out: string[], requireAll: boolean): void {
  for (const spec of specs) {
    const attribute = category.attributes.find((a) => a.key === spec.key);
    if (!attribute) out.push(`${at}: "${spec.key}" is not an attribute of category ${category.code} (${category.name})`);
    else if (attribute.values && !attribute.values.includes(spec.value)) {
      out.push(`${at}: "${spec.value}" is not a valid value of "${spec.key}" (one of: ${attribute.values.join(', ')})`);
    }
  }
  if (requireAll) {
    for (const attribute of category.attributes.filter((a) => a.required)) {
      if (!specs.some((s) => s.key === attribute.key)) out.push(`${at}: required attribute "${attribute.key}" of category ${category.code} is missing`);
    }
  }
}

/** Every problem of a variation (create, or PUT /variations with `partial`). */
function variationProblems(v: Record<string, unknown>, at: string, partial: boolean, out: string[]): void {
  if (!partial && (typeof v.sku !== 'string' || v.sku === '')) out.push(`${at}.sku is required`);
  if ('sku' in v && partial) out.push(`${at}.sku cannot be changed`);
  if (!partial || 'qty' in v) {
    if (!Number.isInteger(v.qty) || (v.qty as number) < 0) out.push(`${at}.qty must be an integer >= 0`);
  }
  // Since 2025-03-31 a variation's prices cannot be 0 or null either; left out, they are inherited from the product.
  for (const field of ['price', 'promotional_price']) if (field in v) positive(v[field], `${at}.${field}`, out);
  if ('ean' in v && v.ean !== null && !(typeof v.ean === 'string' && isValidGtin(v.ean)))
    out.push(`${at}.ean "${String(v.ean)}" is not a valid EAN (check digit)`);
  if ('images' in v) imageProblems(v.images, `${at}.images`, out, false);
  if ('specifications' in v) specProblems(v.specifications, `${at}.specifications`, out);
}

/** Every problem of a `product` object; `existing` is the stored product for a PUT (only sent fields are checked,
 * and the cross-field rules run on the merged result). */
export function validateProduct(p: Record<string, unknown>, lists: SkyhubLists, existing?: SkyhubProduct): string[] {
  const out: string[] = [];
  const has = (field: string) => existing === undefined || field in p;
  const at = (field: string) => `product.${field}`;
  if (existing && 'sku' in p && p.sku !== existing.sku) out.push('product.sku cannot be changed');
  for (const field of existing ? ['name', 'description'] : ['sku', 'name', 'description']) {
    if (!has(field)) continue;
    const v = p[field];
    if (typeof v !== 'string' || v.trim() === '') out.push(`${at(field)} is required`);
  }
  if (has('name') && typeof p.name === 'string' && [...p.name].length > MAX_NAME) out.push(`product.name is too long (maximum is ${MAX_NAME} characters)`);
  if (has('status') && !STATUSES.includes(p.status as string)) out.push('product.status must be "enabled" or "disabled"');
  if (has('qty') && (!Number.isInteger(p.qty) || (p.qty as number) < 0)) out.push('product.qty must be an integer >= 0');
  // Since 2025-03-31: "os campos promotional_price e price não podem ser 0 ou nulos".
  for (const field of ['price', 'promotional_price']) if (has(field)) positive(p[field], at(field), out);
  for (const field of ['weight', 'height', 'width', 'length']) if (has(field)) positive(p[field], at(field), out);
  if ('cost' in p && p.cost !== null) positive(p.cost, at('cost'), out);
  if ('ean' in p && p.ean !== null && !(typeof p.ean === 'string' && isValidGtin(p.ean)))
    out.push(`product.ean "${String(p.ean)}" is not a valid EAN (check digit)`);
  if ('nbm' in p && p.nbm !== null && !(typeof p.nbm === 'string' && /^\d{8}$/.test(p.nbm.replace(/\./g, '')))) out.push('product.nbm must have 8 digits');
  if ('crossdocking' in p && p.crossdocking !== null && !(Number.isInteger(p.crossdocking) && (p.crossdocking as number) >= 0)) {
    out.push('product.crossdocking must be an integer number of days >= 0');
  }
  if (has('brand')) {
    if (typeof p.brand !== 'string' || p.brand === '') out.push("product.brand is required: the id of a brand in SkyHub's brand list");
    else if (!lists.brands.some((b) => b.id === p.brand)) {
      const byName = lists.brands.find((b) => b.name.toLowerCase() === String(p.brand).toLowerCase());
      out.push(`product.brand "${p.brand}" is not in SkyHub's brand list${byName ? ` (send its id, ${byName.id})` : ''}`);
    }
  }
  if (has('images')) imageProblems(p.images, 'product.images', out, true);

  // Category: exactly one code from SkyHub's list; its attributes travel in `specifications`.
  let category: SkyhubCategory | undefined = existing ? lists.categories.find((c) => c.code === existing.categories[0]?.code) : undefined;
  if (has('categories')) {
    const codes = Array.isArray(p.categories) ? p.categories.map((c) => (isObject(c) ? c.code : undefined)) : undefined;
    category = undefined;
    if (!codes || codes.length !== 1 || typeof codes[0] !== 'string') out.push("product.categories must hold exactly one {code} from SkyHub's category list");
    else if (!(category = lists.categories.find((c) => c.code === codes[0])))
      out.push(`product.categories: category ${codes[0]} does not exist in SkyHub's category list`);
  }
  const specsSent = has('specifications') ? (p.specifications ?? []) : undefined;
  const specs = specsSent === undefined ? existing?.specifications : specProblems(specsSent, 'product.specifications', out) ? specsSent : undefined;
  if (category && specs) categoryAttributeProblems(category, specs, 'product.specifications', out, true);

  if (has('variations') && p.variations !== undefined) {
    if (!Array.isArray(p.variations)) out.push('product.variations must be a list');
    else {
      const seen = new Set<string>();
      p.variations.forEach((v: unknown, i) => {
        if (!isObject(v)) return void out.push(`product.variations[${i}] must be an object`);
        variationProblems(v, `product.variations[${i}]`, false, out);
        if (typeof v.sku === 'string') {
          if (seen.has(v.sku) || v.sku === (p.sku ?? existing?.sku)) out.push(`product.variations[${i}].sku "${v.sku}" is repeated`);
          seen.add(v.sku);
        }
        if (category && Array.isArray(v.specifications))
          categoryAttributeProblems(category, v.specifications as { key: string; value: string }[], `product.variations[${i}].specifications`, out, false);
      });
      if (p.variations.length > 0 && !(Array.isArray(p.variation_attributes) && p.variation_attributes.length > 0)) {
        out.push('product.variation_attributes must name the attributes the variations differ by');
      }
    }
  }
  const price = 'price' in p ? p.price : existing?.price;
  const promo = 'promotional_price' in p ? p.promotional_price : existing?.promotional_price;
  if (typeof price === 'number' && typeof promo === 'number' && price > 0 && promo > price) {
    out.push(`product.promotional_price (${promo}) cannot be greater than product.price (${price})`);
  }
  return out;
}

/** Every problem of a PUT /variations/{sku} body against the variation and its product (prices inherit). */
export function validateVariation(v: Record<string, unknown>, product: SkyhubProduct, current: SkyhubVariation): string[] {
  const out: string[] = [];
  variationProblems(v, 'variation', true, out);
  const price = ('price' in v ? v.price : current.price) ?? product.price;
  const promo = ('promotional_price' in v ? v.promotional_price : current.promotional_price) ?? product.promotional_price;
  if (out.length === 0 && typeof price === 'number' && typeof promo === 'number' && promo > price) {
    out.push(`variation.promotional_price (${promo}) cannot be greater than its price (${price})`);
  }
  return out;
}

function toVariation(v: Record<string, unknown>): SkyhubVariation {
  return {
    sku: v.sku as string,
    qty: v.qty as number,
    ean: typeof v.ean === 'string' ? v.ean : null,
    price: typeof v.price === 'number' ? v.price : null,
    promotional_price: typeof v.promotional_price === 'number' ? v.promotional_price : null,
    images: Array.isArray(v.images) ? (v.images as string[]) : [],
    specifications: Array.isArray(v.specifications) ? structuredClone(v.specifications as SkyhubVariation['specifications']) : [],
  };
}

export function newProduct(p: Record<string, unknown>, lists: SkyhubLists, now: string): SkyhubProduct {
  const product: SkyhubProduct = {
    sku: p.sku as string,
    name: '',
    description: '',
    status: 'enabled',
    qty: 0,
    price: 0,
    promotional_price: 0,
    cost: null,
    weight: 0,
    height: 0,
    width: 0,
    length: 0,
    brand: '',
    ean: null,
    nbm: null,
    crossdocking: null,
    categories: [],
    images: [],
    specifications: [],
    variations: [],
    variation_attributes: [],
    created_at: now,
    updated_at: now,
  };
  applyProduct(product, p, lists, now);
  return product;
}

/** Applies a validated `product` object (create, or the fields of a PUT). */
export function applyProduct(product: SkyhubProduct, p: Record<string, unknown>, lists: SkyhubLists, now: string): void {
  for (const field of [
    'name',
    'description',
    'status',
    'qty',
    'price',
    'promotional_price',
    'cost',
    'weight',
    'height',
    'width',
    'length',
    'brand',
    'ean',
    'nbm',
    'crossdocking',
  ] as const) {
    if (field in p) (product as unknown as Record<string, unknown>)[field] = p[field] ?? null;
  }
  if (Array.isArray(p.categories)) {
    const code = (p.categories[0] as { code: string }).code;
    product.categories = [{ code, name: lists.categories.find((c) => c.code === code)?.name ?? '' }];
  }
  if (Array.isArray(p.images)) product.images = [...(p.images as string[])];
  if ('specifications' in p) product.specifications = structuredClone((p.specifications ?? []) as SkyhubProduct['specifications']);
  if (Array.isArray(p.variations)) product.variations = p.variations.map((v) => toVariation(v as Record<string, unknown>));
  if (Array.isArray(p.variation_attributes)) product.variation_attributes = (p.variation_attributes as unknown[]).map(String);
  product.updated_at = now;
}

export function applyVariation(variation: SkyhubVariation, v: Record<string, unknown>): void {
  if ('qty' in v) variation.qty = v.qty as number;
  if ('ean' in v) variation.ean = (v.ean as string | null) ?? null;
  if ('price' in v) variation.price = v.price as number;
  if ('promotional_price' in v) variation.promotional_price = v.promotional_price as number;
  if (Array.isArray(v.images)) variation.images = [...(v.images as string[])];
  if (Array.isArray(v.specifications)) variation.specifications = structuredClone(v.specifications as SkyhubVariation['specifications']);
}

/** A variation as GET answers it: inherited prices resolved from the parent. */
export function productJson(product: SkyhubProduct): Record<string, unknown> {
  return {
    ...structuredClone(product),
    variations: product.variations.map((v) => ({
      ...structuredClone(v),
      price: v.price ?? product.price,
      promotional_price: v.promotional_price ?? product.promotional_price,
    })),
  };
}
