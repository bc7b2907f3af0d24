/**
 * Casas Bahia / Via — the catalogue importer v4 and the offer API v4 (`api-mktplace.viavarejo.com.br`),
 * behind the static headers `client_id` and `access_token`.
 *
 * Creating an item is Via's asynchronous lifecycle: import (202) → AGUARDANDO_PROCESSAMENTO → VALIDO
 * (or INVALIDO with violations) → opt-in → AGUARDANDO_CONFIRMACAO → confirm → INTEGRANDO →
 * FICHA_INTEGRADA (the offer exists). `publish` drives it as far as Via lets it in one call, reading
 * the status a bounded number of times (no sleeping); while Via is still working it throws
 * `MarketplaceErrors.notYet`, so the core puts the item back in its queue (no retry spent, no breaker)
 * and the next `publish` resumes from the status Via reports. The item counts as created — its id
 * mapping stored, S1 logged — only once the offer is live. INVALIDO becomes a rejection (E3) with
 * Via's violations. After that, price and stock go through the offer API (a price more than 50 %
 * below the current one is refused: the integration's price-drop guard holds such cuts first).
 */
import { createHash } from 'node:crypto';
import {
  type ConnectorError,
  definePlugin,
  httpStatus as status,
  MarketplaceErrors,
  rewordRejection,
  type ExistingItem,
  type ItemRef,
  type PluginContext,
  type PublishedItem,
  type RemoteState,
  type RemoteStateQuery,
} from '@connector/core/plugin';

const IMPORT = 'api/v4/api-front-importer-v4/jersey/import/itens';
const OFFER = 'api/v4/api-front-offer-v4/jersey/offer';
const SELLER_ITEMS = 'api/v2/sellerItems';
/** Status reads per publish call while Via is still working: enough to follow it when it is quick, then defer. */
export const STATUS_READS = 3;
/** Payload fields of the offer (sent through the offer API once the SKU is integrated); the rest is catalogue. */
const OFFER_FIELDS = new Set(['preco', 'estoque']);

type SkuStatus = 'AGUARDANDO_PROCESSAMENTO' | 'VALIDO' | 'AGUARDANDO_CONFIRMACAO' | 'INTEGRANDO' | 'FICHA_INTEGRADA' | 'INVALIDO';

interface StatusAnswer {
  idItem: string;
  idSkuLojista: string;
  skuStatus: SkuStatus;
  violacoes?: Array<{ campo?: string; mensagem?: string }>;
}

interface Preco {
  padrao: string;
  oferta: string;
}

interface Estoque {
  quantidade: number;
  tempoDePreparacao?: number;
}

/** What the plugin remembers of its last import of a SKU (ctx.state `import:{sku}`). */
interface ImportRecord {
  /** Hash of the catalogue part: the same data refused again is not imported again. */
  catalog: string;
  preco: Preco;
  estoque: Estoque;
}

interface SellerItem {
  skuSellerId: string;
  prices: Array<{ default: number; offer: number }>;
  stocks: Array<{ quantity: number; crossDockingTime: number }>;
}

/** Via's error body (`{errors:[{code, message}]}`) as the seller's message: every entry. */
const sellerError = (error: unknown) =>
  rewordRejection<{ errors?: Array<{ message?: string }> }>(error, 'casasbahia', (body) => (body?.errors ?? []).map((e) => e.message).filter(Boolean).join('; ') || undefined);

/** "2999,90" (the import's comma-decimal strings) → 2999.9 for the offer API, which takes numbers. */
export function toNumber(price: string): number {
  return Number(String(price).replace(/\./g, '').replace(',', '.'));
}

/** 2999.9 → "2999,90", as the payload holds prices. */
export function toCommaDecimal(value: number): string {
  return value.toFixed(2).replace('.', ',');
}

/** The import body: one product (`itens[0]`) with this one SKU, its price and stock inside the SKU as Via wants them. */
export function importBody(payload: Record<string, unknown>): { itens: Array<Record<string, unknown>> } {
  const { sku, preco, estoque, atributos, ...product } = payload as Record<string, unknown> & { sku: Record<string, unknown> };
  return {
    itens: [{ ...product, atributos: atributos ?? [], skus: [{ ...sku, atributos: sku.atributos ?? [], preco, estoque }] }],
  };
}

function catalogHash(payload: Record<string, unknown>): string {
  const catalog = Object.fromEntries(Object.entries(payload).filter(([key]) => !OFFER_FIELDS.has(key)));
  return createHash('sha256').update(JSON.stringify(catalog)).digest('hex');
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function activate(ctx: PluginContext) {
  const pollMs = Number(ctx.settings.statusPollSeconds ?? 300) * 1000;

  /** The static `client_id` + `access_token` headers; the token is read per call, so new settings apply at once. */
  const headers = async () => {
    const accessToken = await ctx.secrets.get('accessToken');
    if (!accessToken) throw MarketplaceErrors.auth('casasbahia', 'no access_token: set accessToken in the integration settings');
    return { client_id: String(ctx.settings.clientId), access_token: accessToken };
  };
  const request = async <T = unknown>(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) =>
    ctx.http.request<T>({ method, url, headers: await headers(), body }).catch((error: unknown) => Promise.reject(sellerError(error)));

  async function readStatus(id: string): Promise<StatusAnswer | undefined> {
    const { body } = await request<{ itens: StatusAnswer[] }>('GET', `${IMPORT}/statusSku?idSkusLojista=${encodeURIComponent(id)}`);
    return body.itens.find((i) => i.idSkuLojista === id);
  }

  const skuPath = (s: Pick<StatusAnswer, 'idItem' | 'idSkuLojista'>, step: string) =>
    `${IMPORT}/${encodeURIComponent(s.idItem)}/sku/${encodeURIComponent(s.idSkuLojista)}/${step}`;

  const putPrice = (id: string, preco: Preco) => request('PUT', `${OFFER}/price`, { idSkuLojista: id, preco: { padrao: toNumber(preco.padrao), oferta: toNumber(preco.oferta) } });
  const putStock = (id: string, estoque: Estoque) => request('PUT', `${OFFER}/stock`, { idSkuLojista: id, estoque });

  function refused(s: StatusAnswer): ConnectorError {
    const violations = (s.violacoes ?? []).map((v) => (v.campo ? `${v.campo}: ${v.mensagem}` : String(v.mensagem)));
    return MarketplaceErrors.rejected(
      'casasbahia',
      `Casas Bahia refused SKU ${s.idSkuLojista} in catalogue processing (INVALIDO): ${violations.join('; ') || 'no violation given'}`,
      { status: 422, body: s },
    );
  }

  return {
    /**
     * Import (unless Via already has this SKU, or refused exactly this data), then follow the status:
     * VALIDO → opt in as a new SKU, AGUARDANDO_CONFIRMACAO → confirm, FICHA_INTEGRADA → done (price and
     * stock brought up to date if they changed since the import). Still processing after STATUS_READS
     * reads → the item waits `statusPollSeconds` and the next call goes on from where Via is.
     */
    async publish(item: PublishedItem) {
      const payload = item.payload as Record<string, unknown> & { sku: { idSkuLojista: string }; preco: Preco; estoque: Estoque };
      const id = String(payload.sku.idSkuLojista);
      const key = `import:${id}`;
      const catalog = catalogHash(payload);
      let last = await ctx.state.get<ImportRecord>(key);
      let s = await readStatus(id);
      if (!s || (s.skuStatus === 'INVALIDO' && last?.catalog !== catalog)) {
        const { body } = await request<{ itens: StatusAnswer[] }>('POST', IMPORT, importBody(payload));
        last = { catalog, preco: payload.preco, estoque: payload.estoque };
        await ctx.state.set(key, last);
        s = body.itens?.find((i) => i.idSkuLojista === id) ?? { idItem: String(payload.idItem), idSkuLojista: id, skuStatus: 'AGUARDANDO_PROCESSAMENTO' };
      }
      for (let reads = 0; ; ) {
        switch (s.skuStatus) {
          case 'INVALIDO':
            throw refused(s);
          case 'VALIDO':
            await request('PUT', skuPath(s, 'optar'), { resultado: 'NEW_SKU' });
            s = { ...s, skuStatus: 'AGUARDANDO_CONFIRMACAO' };
            break;
          case 'AGUARDANDO_CONFIRMACAO':
            await request('PUT', skuPath(s, 'confirmar'));
            s = { ...s, skuStatus: 'INTEGRANDO' };
            break;
          case 'FICHA_INTEGRADA': {
            // The offer went live with the import's price and stock; VTEX may have moved on since.
            const sent: string[] = [];
            if (!last || !same(last.preco, payload.preco)) await putPrice(id, payload.preco).then(() => sent.push('preco'));
            if (!last || !same(last.estoque, payload.estoque)) await putStock(id, payload.estoque).then(() => sent.push('estoque'));
            return { marketplaceId: id, response: { idItem: s.idItem, idSkuLojista: id, skuStatus: s.skuStatus, offerUpdated: sent } };
          }
          default:
            if (reads >= STATUS_READS) {
              throw MarketplaceErrors.notYet('casasbahia', `Casas Bahia is still processing SKU ${id} (${s.skuStatus})`, pollMs);
            }
            reads++;
            s = (await readStatus(id)) ?? s;
        }
      }
    },

    /**
     * Price and stock through the offer API, when theirs changed. Via changes the catalogue data of an
     * integrated SKU only through its own team, so catalogue changes are not sent (the answer lists them).
     */
    async update(item: ExistingItem) {
      const payload = item.payload as Record<string, unknown> & { preco: Preco; estoque: Estoque };
      const all = item.changed === undefined;
      const changed = new Set(item.changed ?? []);
      const sent: string[] = [];
      if (all || changed.has('preco')) {
        await putPrice(item.marketplaceId, payload.preco);
        sent.push('preco');
      }
      if (all || item.reactivate || changed.has('estoque') || !sent.length) {
        await putStock(item.marketplaceId, payload.estoque);
        sent.push('estoque');
      }
      const catalogNotSent = [...changed].filter((field) => !OFFER_FIELDS.has(field));
      return { response: { idSkuLojista: item.marketplaceId, sent, ...(catalogNotSent.length && { catalogNotSent }) } };
    },

    /** Via's deactivation is a stock of 0 (the offer comes back with stock). */
    async deactivate(item: ItemRef) {
      await putStock(item.marketplaceId, { quantidade: 0, tempoDePreparacao: Number(ctx.settings.crossDockingDays ?? 0) });
      return { response: { idSkuLojista: item.marketplaceId, quantidade: 0 } };
    },

    /**
     * The live offer's price and stock (GET /api/v2/sellerItems/{id}), in the payload's shape. Only
     * integrated SKUs count as found: one still in the import lifecycle is resumed by `publish`.
     */
    async fetchRemoteState(items: RemoteStateQuery[]): Promise<RemoteState[]> {
      const out: RemoteState[] = [];
      for (const item of items) {
        const id = item.marketplaceId ?? item.skuId;
        try {
          const { body } = await request<SellerItem>('GET', `${SELLER_ITEMS}/${encodeURIComponent(id)}`);
          const price = body.prices[0];
          const stock = body.stocks[0];
          out.push({
            skuId: item.skuId,
            found: true,
            marketplaceId: body.skuSellerId,
            fields: {
              ...(price && { preco: { padrao: toCommaDecimal(price.default), oferta: toCommaDecimal(price.offer) } }),
              ...(stock && { estoque: { quantidade: stock.quantity, tempoDePreparacao: stock.crossDockingTime } }),
            },
          });
        } catch (error) {
          if (status(error) !== 404) throw error;
          out.push({ skuId: item.skuId, found: false });
        }
      }
      return out;
    },
  };
}

export default definePlugin({ activate });
