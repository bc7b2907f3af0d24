// Netshoes marketplace API v2 products: the stored shape, the catalogue domains (brands, colours, flavours, genders,
// departments → product types) and the validation of POST/PUT /api/v2/products, prices and stocks. Every problem is
// listed at once in `notifications`, the array of Netshoes' error resource (`{type, description, notifications}`,
// ErrorResource of Netshoes' official SDK).
import { isObject, isValidGtin, isValidIsbn10 } from '../http.js';

/** Catalogue review of a product (the v2 status resource answers `{status, reviews[]}`; values inferred). */
export type NetshoesReview = 'PENDING' | 'APPROVED' | 'REJECTED';
/** What GET /products/{sku}/status answers: the review, and once approved whether the offer is live. */
export type NetshoesStatus = 'PENDING' | 'REJECTED' | 'ACTIVE' | 'INACTIVE';

export interface NetshoesProduct {
  sku: string;
  productGroup: string;
  department: string;
  productType: string;
  brand: string;
  name: string;
  description: string;
  color: string | null;
  flavor: string | null;
  gender: string;
  manufacturerCode: string | null;
  size: string;
  eanIsbn: string | null;
  height: number;
  width: number;
  depth: number;
  weight: number;
  video: string | null;
  images: { url: string }[];
  attributes: { name: string; values: string[] }[];
  price: { listPrice: number; salePrice: number } | null;
  /** Available quantity; null until the first stock call. */
  stock: number | null;
  review: NetshoesReview;
  reviews: { message: string; date: string }[];
  createdAt: string;
  updatedAt: string;
}

/** The domains Netshoes validates products against (its templates API lists them; these defaults are samples). */
export interface NetshoesCatalog {
  brands: readonly string[];
  colors: readonly string[];
  flavors: readonly string[];
  genders: readonly string[];
  /** Department → its product types. */
  departments: Readonly<Record<string, readonly string[]>>;
  maxNameLength: number;
}

export const DEFAULT_NETSHOES_CATALOG: NetshoesCatalog = {
  brands: ['Nike', 'Adidas', 'Asics', 'Mizuno', 'Olympikus', 'Puma', 'Fila', 'Under Armour', 'Aurora', 'Nortec', 'Vento Sul'],
  colors: ['Preto', 'Branco', 'Azul', 'Azul Marinho', 'Vermelho', 'Verde', 'Verde Musgo', 'Cinza', 'Rosa', 'Amarelo', 'Laranja', 'Roxo', 'Marrom', 'Bege'],
  flavors: ['Baunilha', 'Chocolate', 'Morango', 'Natural', 'Cookies and Cream', 'Limão'],
  genders: ['Homem', 'Mulher', 'Unissex', 'Menino', 'Menina', 'Bebê'],
  departments: {
    'Dia a dia': ['Esportivo', 'Casual'],
    Corrida: ['Tênis', 'Camiseta', 'Bermuda', 'Jaqueta'],
    Futebol: ['Chuteira', 'Bola', 'Camisa'],
    Suplementos: ['Whey Protein', 'Creatina', 'Barra de Proteína'],
    Acessórios: ['Mochila', 'Boné', 'Garrafa', 'Fone de Ouvido', 'Relógio'],
  },
  maxNameLength: 70,
};

const REQUIRED_TEXT = ['sku', 'productGroup', 'department', 'productType', 'brand', 'name', 'description', 'gender', 'size'] as const;
const DIMENSIONS = ['height', 'width', 'depth', 'weight'] as const;
const URL_RE = /^https?:\/\/\S+$/;

/** A number, or a numeric string with a dot decimal separator (Netshoes rejects "0,15"). */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

function oneOf(field: string, value: string, allowed: readonly string[], out: string[]): void {
  if (!allowed.includes(value)) out.push(`${field}: "${value}" is not in Netshoes' ${field} list (values are case-sensitive)`);
}

/** Every problem of a product body (POST, or PUT with the path's `sku`). */
export function validateProduct(body: Record<string, unknown>, catalog: NetshoesCatalog, pathSku?: string): string[] {
  const out: string[] = [];
  for (const field of REQUIRED_TEXT) {
    const v = body[field];
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) out.push(`${field}: may not be empty`);
    else if (typeof v !== 'string') out.push(`${field}: must be a string`);
  }
  if (pathSku !== undefined && typeof body.sku === 'string' && body.sku !== pathSku)
    out.push(`sku: "${body.sku}" differs from the sku in the URL ("${pathSku}")`);
  if (typeof body.name === 'string' && [...body.name].length > catalog.maxNameLength) {
    out.push(`name: size must be between 1 and ${catalog.maxNameLength} (got ${[...body.name].length})`);
  }
  if (typeof body.brand === 'string' && body.brand !== '') oneOf('brand', body.brand, catalog.brands, out);
  if (typeof body.gender === 'string' && body.gender !== '') oneOf('gender', body.gender, catalog.genders, out);
  if (typeof body.department === 'string' && body.department !== '') {
    const types = catalog.departments[body.department];
    if (!types) out.push(`department: "${body.department}" is not a Netshoes department`);
    else if (typeof body.productType === 'string' && body.productType !== '' && !types.includes(body.productType)) {
      out.push(`productType: "${body.productType}" is not a product type of department "${body.department}"`);
    }
  }
  const hasColor = typeof body.color === 'string' && body.color !== '';
  const hasFlavor = typeof body.flavor === 'string' && body.flavor !== '';
  if (hasColor && hasFlavor) out.push('color/flavor: cannot set flavor and color on the same product');
  else if (!hasColor && !hasFlavor) out.push('color/flavor: one of color or flavor is required');
  else if (hasColor) oneOf('color', body.color as string, catalog.colors, out);
  else oneOf('flavor', body.flavor as string, catalog.flavors, out);
  for (const field of DIMENSIONS) {
    const n = toNumber(body[field]);
    if (body[field] === undefined || body[field] === null) out.push(`${field}: may not be null`);
    else if (n === undefined) out.push(`${field}: must be a number with a dot decimal separator (e.g. 0.15)`);
    else if (n < 0) out.push(`${field}: must be greater than or equal to 0`);
  }
  if (!Array.isArray(body.images) || body.images.length === 0) out.push('images: at least one image is required');
  else {
    body.images.forEach((img: unknown, i) => {
      if (!(isObject(img) && typeof img.url === 'string' && URL_RE.test(img.url))) out.push(`images[${i}].url: must be an http(s) URL`);
    });
  }
  if (body.video !== undefined && body.video !== null && !(typeof body.video === 'string' && URL_RE.test(body.video))) {
    out.push('video: must be an http(s) URL');
  }
  if (body.eanIsbn !== undefined && body.eanIsbn !== null) {
    const code = body.eanIsbn;
    if (!(typeof code === 'string' && (isValidGtin(code) || isValidIsbn10(code)))) out.push(`eanIsbn: "${String(code)}" is not a valid EAN/ISBN (check digit)`);
  }
  if (body.attributes !== undefined) {
    const ok =
      Array.isArray(body.attributes) &&
      body.attributes.every(
        (a) => isObject(a) && typeof a.name === 'string' && Array.isArray(a.values) && a.values.length > 0 && a.values.every((v) => typeof v === 'string'),
      );
    if (!ok) out.push('attributes: must be a list of {name, values: [string, …]}');
  }
  return out;
}

export function toProduct(body: Record<string, unknown>, now: string, previous?: NetshoesProduct): NetshoesProduct {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return {
    sku: body.sku as string,
    productGroup: body.productGroup as string,
    department: body.department as string,
    productType: body.productType as string,
    brand: body.brand as string,
    name: body.name as string,
    description: body.description as string,
    color: str(body.color),
    flavor: str(body.flavor),
    gender: body.gender as string,
    manufacturerCode: str(body.manufacturerCode),
    size: body.size as string,
    eanIsbn: str(body.eanIsbn),
    height: toNumber(body.height)!,
    width: toNumber(body.width)!,
    depth: toNumber(body.depth)!,
    weight: toNumber(body.weight)!,
    video: str(body.video),
    images: (body.images as { url: string }[]).map(({ url }) => ({ url })),
    attributes: Array.isArray(body.attributes)
      ? (body.attributes as { name: string; values: string[] }[]).map((a) => ({ name: a.name, values: [...a.values] }))
      : [],
    price: previous?.price ?? null,
    stock: previous?.stock ?? null,
    review: previous?.review ?? 'PENDING',
    reviews: previous?.reviews ?? [],
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
  };
}

/** The offer is live once the catalogue approved the product and it has a price and stock. */
export function statusOf(product: NetshoesProduct): NetshoesStatus {
  if (product.review !== 'APPROVED') return product.review;
  return product.price && (product.stock ?? 0) > 0 ? 'ACTIVE' : 'INACTIVE';
}

/** Problems of a price body: `{listPrice, salePrice}`, both when none is set yet (POST), either one on PUT. */
export function validatePrice(body: Record<string, unknown>, current: NetshoesProduct['price']): string[] {
  const out: string[] = [];
  const sent = (['listPrice', 'salePrice'] as const).filter((f) => body[f] !== undefined);
  if (sent.length === 0) out.push('listPrice/salePrice: send listPrice and/or salePrice');
  for (const field of sent) {
    const v = body[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) out.push(`${field}: must be a number`);
    else if (v <= 0) out.push(`${field}: must be greater than 0`);
  }
  if (!current && body.listPrice === undefined && sent.length > 0) out.push('listPrice: required when the product has no price yet');
  const merged = mergePrice(body, current);
  if (out.length === 0 && merged && merged.salePrice > merged.listPrice)
    out.push(`salePrice: ${merged.salePrice} is greater than listPrice ${merged.listPrice}`);
  return out;
}

export function mergePrice(body: Record<string, unknown>, current: NetshoesProduct['price']): NetshoesProduct['price'] {
  const listPrice = typeof body.listPrice === 'number' ? body.listPrice : current?.listPrice;
  if (listPrice === undefined) return null;
  const salePrice = typeof body.salePrice === 'number' ? body.salePrice : (current?.salePrice ?? listPrice);
  return { listPrice, salePrice };
}

export function validateStock(body: Record<string, unknown>): string[] {
  return Number.isInteger(body.available) && (body.available as number) >= 0 ? [] : ['available: must be an integer greater than or equal to 0'];
}
