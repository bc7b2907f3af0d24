import { Errors } from '../errors/errors.js';
import { headerGetter, httpRequest, type HttpAnswer } from '../util/http-client.js';
import type { Clock } from '../util/clock.js';
import type { VtexOffer, VtexProduct, VtexSkuAndContext } from './types.js';

export interface VtexClientOptions {
  account: string;
  baseUrl: string;
  appKey: string;
  appToken: string;
  salesChannel: number;
  affiliateId: string;
  clock: Clock;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** How many 429s in a row one call waits out before giving up (the job is retried later). */
  maxRateLimitWaits?: number;
}

/** The VTEX APIs the connector calls (see docs/architecture.md, "VTEX client"). */
export class VtexClient {
  constructor(private readonly options: VtexClientOptions) {}

  /** Get SKU and context; null when VTEX does not know the SKU. */
  getSkuAndContext(skuId: string): Promise<VtexSkuAndContext | null> {
    const sc = this.options.salesChannel;
    return this.request('SKU and context', 'GET', `/api/catalog_system/pvt/sku/stockkeepingunitbyid/${encodeURIComponent(skuId)}?sc=${sc}`, undefined, true);
  }

  /** Get product by id; null when unknown. */
  getProduct(productId: number): Promise<VtexProduct | null> {
    return this.request('product', 'GET', `/api/catalog/pvt/product/${productId}`, undefined, true);
  }

  /**
   * Fulfillment simulation without postalCode, for many SKUs at once. SKUs VTEX leaves out of the
   * answer (no price or not sold in the trade policy) are absent from the map.
   */
  async simulate(skuIds: string[]): Promise<Map<string, VtexOffer>> {
    const { salesChannel, affiliateId } = this.options;
    const body = { items: skuIds.map((id) => ({ id, quantity: 1, seller: '1' })) };
    // quantity 1 keeps the simulation cheap; the stock figure is logisticsInfo.stockBalance.
    const result = await this.request<SimulationResponse>(
      'simulation',
      'POST',
      `/api/checkout/pub/orderForms/simulation?sc=${salesChannel}&affiliateId=${encodeURIComponent(affiliateId)}`,
      body,
    );
    const offers = new Map<string, VtexOffer>();
    const logistics = new Map((result?.logisticsInfo ?? []).map((l) => [l.itemIndex, l]));
    // `logisticsInfo[].itemIndex` is the item's position in the answer's `items`, not in the request: an item
    // VTEX cannot sell is left out of `items`, so the two differ for every item after it.
    for (const [index, item] of (result?.items ?? []).entries()) {
      const info = logistics.get(index);
      const stock = typeof info?.stockBalance === 'number' ? info.stockBalance : item.availability === 'available' ? item.quantity : 0;
      offers.set(String(item.id), {
        price: item.price,
        listPrice: item.listPrice,
        sellingPrice: item.sellingPrice ?? item.price,
        availability: item.availability,
        stock: Math.max(0, Math.trunc(stock)),
      });
    }
    return offers;
  }

  /** One page (1-based) of the SKU ids of the affiliate's trade policy; [] past the end. */
  listSkuIds(page: number, pageSize = 1000): Promise<number[]> {
    const sc = this.options.salesChannel;
    return this.request<number[]>(
      'SKU list',
      'GET',
      `/api/catalog_system/pvt/sku/stockkeepingunitidsbysaleschannel?sc=${sc}&page=${page}&pageSize=${pageSize}&onlyAssigned=true`,
    ).then((ids) => ids ?? []);
  }

  private async request<T>(what: string, method: string, path: string, body?: unknown, nullOn404 = false): Promise<T> {
    const { baseUrl, appKey, appToken, clock, timeoutMs = 15_000, maxRateLimitWaits = 5, account } = this.options;
    const url = new URL(path, baseUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let waits = 0; ; waits++) {
      let response: HttpAnswer;
      let text: string;
      try {
        response = await httpRequest({
          url,
          method,
          headers: {
            accept: 'application/json',
            'content-type': 'application/json',
            'X-VTEX-API-AppKey': appKey,
            'X-VTEX-API-AppToken': appToken,
          },
          body: payload,
          timeoutMs,
        });
        const status = response.status;
        if ((status === 429 && waits < maxRateLimitWaits) || (status === 404 && nullOn404) || status === 401 || status === 403) {
          await response.discard();
          text = '';
        } else {
          text = await response.text();
        }
      } catch (error) {
        throw Errors.vtexRequestFailed(what, 0, (error as Error).message);
      }
      if (response.status === 429 && waits < maxRateLimitWaits) {
        await clock.sleep(retryAfterMs(headerGetter(response.headers)) ?? 1000 * 2 ** waits);
        continue;
      }
      if (response.status === 404 && nullOn404) return null as T;
      if (response.status === 401 || response.status === 403) throw Errors.vtexAuthFailed(account, response.status);
      if (response.status < 200 || response.status >= 300) throw Errors.vtexRequestFailed(what, response.status, text);
      try {
        return JSON.parse(text) as T;
      } catch (error) {
        throw Errors.vtexRequestFailed(what, response.status, `unreadable JSON: ${(error as Error).message}`);
      }
    }
  }
}

/** Retry-After (seconds or HTTP date) or VTEX's X-VTEX-Ratelimit-Reset (seconds), in ms. */
export function retryAfterMs(headers: Pick<Headers, 'get'>, now = Date.now()): number | undefined {
  const value = headers.get('retry-after') ?? headers.get('x-vtex-ratelimit-reset');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

interface SimulationResponse {
  items?: Array<{
    id: string;
    requestIndex: number;
    quantity: number;
    price: number;
    listPrice: number;
    sellingPrice?: number;
    availability: string;
  }>;
  logisticsInfo?: Array<{ itemIndex: number; stockBalance?: number; quantity?: number }>;
}
