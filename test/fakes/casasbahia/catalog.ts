// Via (Casas Bahia, Ponto, Extra) catalogue import: the shapes of the importer API v4, Via's categories with their
// attributes ("UDAs"), the synchronous checks of POST /import/itens (every problem at once, in Via's error body) and
// the asynchronous catalogue processing that ends a SKU VALIDO or INVALIDO with violations (category and attribute
// mapping are mandatory). Prices are comma-decimal strings here; the offer API takes numbers (see index.ts).
import { isObject, isValidGtin } from '../http.js';

/** SKU status in the import lifecycle. `INVALIDO` and `FICHA_INTEGRADA` appear in public client code; the other wire
 * values are inferred from the states VTEX's Via connector names (AwaitingProcessing, Valid, AwaitingConfirmation,
 * Integrating). */
export type ViaSkuStatus = 'AGUARDANDO_PROCESSAMENTO' | 'VALIDO' | 'AGUARDANDO_CONFIRMACAO' | 'INTEGRANDO' | 'FICHA_INTEGRADA' | 'INVALIDO';

export interface ViaViolation {
  campo: string;
  mensagem: string;
}

export interface ViaAttribute {
  idUda: string;
  valor: string;
}

/** A category of Via's tree, and the attributes (UDAs) its products and SKUs must carry. */
export interface ViaCategory {
  id: number;
  name: string;
  /** Products go in leaf categories only (default true). */
  leaf?: boolean;
  attributes: {
    idUda: string;
    nome: string;
    obrigatorio: boolean;
    /** SKU-level (varies per SKU) or product-level. */ variante: boolean;
    valores?: readonly string[];
  }[];
}

export const DEFAULT_VIA_CATEGORIES: readonly ViaCategory[] = [
  { id: 1000, name: 'Calçados', leaf: false, attributes: [] },
  {
    id: 1001,
    name: 'Calçados > Tênis > Corrida',
    attributes: [
      { idUda: '101', nome: 'Gênero', obrigatorio: true, variante: false, valores: ['Masculino', 'Feminino', 'Unissex'] },
      { idUda: '102', nome: 'Material', obrigatorio: false, variante: false },
      { idUda: '201', nome: 'Tamanho', obrigatorio: true, variante: true },
      { idUda: '202', nome: 'Cor', obrigatorio: true, variante: true },
    ],
  },
  {
    id: 2001,
    name: 'Eletrônicos > Áudio > Fones de Ouvido',
    attributes: [
      { idUda: '301', nome: 'Conectividade', obrigatorio: true, variante: false, valores: ['Bluetooth', 'Com fio'] },
      { idUda: '302', nome: 'Cor', obrigatorio: false, variante: true },
    ],
  },
];

/** What the fake keeps of an imported SKU: its product's data, its own data and where it is in the lifecycle. */
export interface ViaImportedSku {
  idItem: string;
  idSkuLojista: string;
  status: ViaSkuStatus;
  violacoes: ViaViolation[];
  /** Fake-clock reading when the SKU entered its status (drives the timed transitions). */
  since: number;
  product: { titulo: string; marca: string; idCategoria: number; descricao: string; garantia: number | null; atributos: ViaAttribute[] };
  gtin: string | null;
  imagens: string[];
  /** Metres and kilograms. */
  dimensao: { altura: number; largura: number; profundidade: number; peso: number };
  atributos: ViaAttribute[];
  /** Reais, parsed from the comma-decimal strings of the import. */
  preco: { padrao: number; oferta: number };
  estoque: { quantidade: number; tempoDePreparacao: number };
  /** The seller's choice in the opt-in step: "NEW_SKU" or the id of an existing Via SKU. */
  resultado: string | null;
}

/** One entry of Via's error body `{errors:[{code, type, message, skuSellerId}]}`. */
export interface ViaErrorEntry {
  code: string;
  type: string;
  message: string;
  skuSellerId?: string;
}

export const MAX_IMAGES = 4;
/** Inferred: Via publishes no title limit. */
export const MAX_TITLE = 150;
/** Inferred sanity bounds that catch centimetres or grams sent where Via expects metres and kilograms. */
const MAX_SIDE_M = 5;
const MAX_WEIGHT_KG = 1000;
const COMMA_PRICE = /^\d+(,\d{1,2})?$/;
const URL_RE = /^https?:\/\/\S+$/;

/** "2999,90" → 2999.9; anything else (dot decimals, numbers) → undefined: the import takes comma strings only. */
export function parseCommaPrice(value: unknown): number | undefined {
  return typeof value === 'string' && COMMA_PRICE.test(value) ? Number(value.replace(',', '.')) : undefined;
}

/** A number, or a string with a dot decimal separator ("0.30", as PHP's number_format sends it). */
function toDecimal(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

/** A whole number >= 0, or a string of digits. */
function toInt(value: unknown): number | undefined {
  if (Number.isInteger(value) && (value as number) >= 0) return value as number;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function invalid(path: string, hint: string, skuSellerId = ''): ViaErrorEntry {
  return { code: '400.002', type: 'APIException', message: `The informed attribute does not exist or is invalid: ${path} (${hint})`, skuSellerId };
}

function attributesOk(value: unknown): value is ViaAttribute[] {
  return Array.isArray(value) && value.every((a) => isObject(a) && (typeof a.idUda === 'string' || Number.isInteger(a.idUda)) && typeof a.valor === 'string');
}

function skuProblems(s: unknown, at: string, out: ViaErrorEntry[], seen: Set<string>): void {
  if (!isObject(s)) return void out.push(invalid(at, 'must be an object'));
  const id = typeof s.idSkuLojista === 'string' && s.idSkuLojista !== '' ? s.idSkuLojista : '';
  if (!id) out.push(invalid(`${at}.idSkuLojista`, 'required: the seller SKU id'));
  else if (seen.has(id)) out.push(invalid(`${at}.idSkuLojista`, `"${id}" is repeated in this import`, id));
  seen.add(id);
  if (s.gtin !== undefined && s.gtin !== null && !(typeof s.gtin === 'string' && isValidGtin(s.gtin)))
    out.push(invalid(`${at}.gtin`, `"${String(s.gtin)}" is not a valid GTIN (check digit)`, id));
  if (!Array.isArray(s.imagens) || s.imagens.length === 0) out.push(invalid(`${at}.imagens`, 'at least one image URL is required', id));
  else {
    if (s.imagens.length > MAX_IMAGES) out.push(invalid(`${at}.imagens`, `at most ${MAX_IMAGES} images (got ${s.imagens.length})`, id));
    s.imagens.forEach((url: unknown, k) => {
      if (!(typeof url === 'string' && URL_RE.test(url))) out.push(invalid(`${at}.imagens[${k}]`, 'must be an http(s) URL', id));
    });
  }
  const d = s.dimensao;
  if (!isObject(d)) out.push(invalid(`${at}.dimensao`, 'required: {altura, largura, profundidade} in metres and {peso} in kilograms', id));
  else {
    for (const side of ['altura', 'largura', 'profundidade']) {
      const n = toDecimal(d[side]);
      if (n === undefined || n <= 0) out.push(invalid(`${at}.dimensao.${side}`, 'must be a number > 0, in metres', id));
      else if (n > MAX_SIDE_M) out.push(invalid(`${at}.dimensao.${side}`, `${n} m is implausible: dimensions are in metres, not centimetres`, id));
    }
    const kg = toDecimal(d.peso);
    if (kg === undefined || kg <= 0) out.push(invalid(`${at}.dimensao.peso`, 'must be a number > 0, in kilograms', id));
    else if (kg > MAX_WEIGHT_KG) out.push(invalid(`${at}.dimensao.peso`, `${kg} kg is implausible: the weight is in kilograms, not grams`, id));
  }
  const p = s.preco;
  if (!isObject(p)) out.push(invalid(`${at}.preco`, 'required: {padrao, oferta} as comma-decimal strings, e.g. "2999,90"', id));
  else {
    for (const field of ['padrao', 'oferta']) {
      const n = parseCommaPrice(p[field]);
      if (n === undefined)
        out.push(invalid(`${at}.preco.${field}`, `must be a string with a comma decimal separator, e.g. "2999,90" (got ${JSON.stringify(p[field])})`, id));
      else if (n <= 0) out.push(invalid(`${at}.preco.${field}`, 'must be greater than 0', id));
    }
    const padrao = parseCommaPrice(p.padrao);
    const oferta = parseCommaPrice(p.oferta);
    if (padrao !== undefined && oferta !== undefined && oferta > padrao)
      out.push(invalid(`${at}.preco.oferta`, `the offer price ${p.oferta} is greater than the list price ${p.padrao}`, id));
  }
  const e = s.estoque;
  if (!isObject(e)) out.push(invalid(`${at}.estoque`, 'required: {quantidade, tempoDePreparacao}', id));
  else {
    if (toInt(e.quantidade) === undefined) out.push(invalid(`${at}.estoque.quantidade`, 'must be an integer >= 0', id));
    if (e.tempoDePreparacao !== undefined && toInt(e.tempoDePreparacao) === undefined)
      out.push(invalid(`${at}.estoque.tempoDePreparacao`, 'must be an integer number of days >= 0', id));
  }
  if (s.atributos !== undefined && !attributesOk(s.atributos)) out.push(invalid(`${at}.atributos`, 'must be a list of {idUda, valor}', id));
}

/** Every problem of a POST /import/itens body that Via rejects at once (format); mapping is checked later. */
export function validateImport(body: Record<string, unknown>): ViaErrorEntry[] {
  const out: ViaErrorEntry[] = [];
  if (!Array.isArray(body.itens) || body.itens.length === 0) return [invalid('itens', 'a non-empty list of products is required')];
  const seen = new Set<string>();
  body.itens.forEach((item: unknown, i) => {
    const at = `itens[${i}]`;
    if (!isObject(item)) return void out.push(invalid(at, 'must be an object'));
    if (!(typeof item.idItem === 'string' && item.idItem !== '')) out.push(invalid(`${at}.idItem`, 'required: the seller product id'));
    if (typeof item.titulo !== 'string' || item.titulo.trim() === '') out.push(invalid(`${at}.titulo`, 'required'));
    else if ([...item.titulo].length > MAX_TITLE) out.push(invalid(`${at}.titulo`, `at most ${MAX_TITLE} characters (got ${[...item.titulo].length})`));
    if (typeof item.marca !== 'string' || item.marca.trim() === '') out.push(invalid(`${at}.marca`, 'required'));
    if (typeof item.descricao !== 'string' || item.descricao.trim() === '') out.push(invalid(`${at}.descricao`, 'required'));
    if (toInt(item.idCategoria) === undefined) out.push(invalid(`${at}.idCategoria`, 'required: the id of a Via category (mapping is mandatory)'));
    if (item.garantia !== undefined && item.garantia !== null && toInt(item.garantia) === undefined)
      out.push(invalid(`${at}.garantia`, 'must be a number of months'));
    if (!attributesOk(item.atributos ?? [])) out.push(invalid(`${at}.atributos`, 'must be a list of {idUda, valor}'));
    if (!Array.isArray(item.skus) || item.skus.length === 0) out.push(invalid(`${at}.skus`, 'at least one SKU is required'));
    else item.skus.forEach((s: unknown, j) => skuProblems(s, `${at}.skus[${j}]`, out, seen));
  });
  return out;
}

/** The SKUs of a validated import, ready to enter the lifecycle at `now`. */
export function toImportedSkus(body: Record<string, unknown>, now: number): ViaImportedSku[] {
  return (body.itens as Record<string, unknown>[]).flatMap((item) =>
    (item.skus as Record<string, unknown>[]).map((s): ViaImportedSku => {
      const d = s.dimensao as Record<string, unknown>;
      const p = s.preco as Record<string, unknown>;
      const e = s.estoque as Record<string, unknown>;
      return {
        idItem: item.idItem as string,
        idSkuLojista: s.idSkuLojista as string,
        status: 'AGUARDANDO_PROCESSAMENTO',
        violacoes: [],
        since: now,
        product: {
          titulo: item.titulo as string,
          marca: item.marca as string,
          idCategoria: toInt(item.idCategoria)!,
          descricao: item.descricao as string,
          garantia: item.garantia === undefined || item.garantia === null ? null : toInt(item.garantia)!,
          atributos: normalizeAttributes(item.atributos),
        },
        gtin: typeof s.gtin === 'string' ? s.gtin : null,
        imagens: [...(s.imagens as string[])],
        dimensao: { altura: toDecimal(d.altura)!, largura: toDecimal(d.largura)!, profundidade: toDecimal(d.profundidade)!, peso: toDecimal(d.peso)! },
        atributos: normalizeAttributes(s.atributos),
        preco: { padrao: parseCommaPrice(p.padrao)!, oferta: parseCommaPrice(p.oferta)! },
        estoque: { quantidade: toInt(e.quantidade)!, tempoDePreparacao: toInt(e.tempoDePreparacao) ?? 0 },
        resultado: null,
      };
    }),
  );
}

function normalizeAttributes(value: unknown): ViaAttribute[] {
  return Array.isArray(value) ? value.map((a) => ({ idUda: String((a as ViaAttribute).idUda), valor: (a as ViaAttribute).valor })) : [];
}

/** Via's catalogue processing of one SKU: category and attribute mapping. Empty → VALIDO. */
export function catalogViolations(sku: ViaImportedSku, categories: readonly ViaCategory[]): ViaViolation[] {
  const out: ViaViolation[] = [];
  const category = categories.find((c) => c.id === sku.product.idCategoria);
  if (!category) return [{ campo: 'idCategoria', mensagem: `Categoria ${sku.product.idCategoria} não encontrada: mapeie o produto para uma categoria da Via` }];
  if (category.leaf === false) return [{ campo: 'idCategoria', mensagem: `Categoria ${category.id} (${category.name}) não é uma categoria final` }];
  const check = (attributes: ViaAttribute[], variante: boolean, campo: string) => {
    for (const a of attributes) {
      const uda = category.attributes.find((u) => u.idUda === a.idUda);
      if (!uda) out.push({ campo, mensagem: `Atributo ${a.idUda} não pertence à categoria ${category.id}` });
      else if (uda.variante !== variante)
        out.push({ campo, mensagem: `Atributo ${a.idUda} (${uda.nome}) deve ser enviado ${uda.variante ? 'no SKU' : 'no produto'}` });
      else if (uda.valores && !uda.valores.includes(a.valor))
        out.push({ campo, mensagem: `Valor "${a.valor}" inválido para ${uda.nome} (${uda.valores.join(', ')})` });
    }
    for (const uda of category.attributes.filter((u) => u.obrigatorio && u.variante === variante)) {
      if (!attributes.some((a) => a.idUda === uda.idUda)) out.push({ campo, mensagem: `Atributo obrigatório ${uda.idUda} (${uda.nome}) não informado` });
    }
  };
  check(sku.product.atributos, false, 'atributos');
  check(sku.atributos, true, 'skus.atributos');
  return out;
}
