import { Errors } from '../errors/errors.js';
import type { HttpRequest, HttpResponse, PluginHttp } from '../plugin-api/index.js';
import { retryAfterMs } from '../vtex/vtex-client.js';

/**
 * The plugin's `ctx.http`: fetch with a timeout, JSON in and out, and the marketplace's answers
 * turned into the typed errors the delivery stage acts on.
 */
export function createPluginHttp(marketplace: string, baseUrl: string | undefined, defaultTimeoutMs = 20_000): PluginHttp {
  return {
    async request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
      const url = baseUrl ? new URL(req.url, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`) : new URL(req.url);
      const isString = typeof req.body === 'string';
      let response: Response;
      try {
        response = await fetch(url, {
          method: req.method,
          headers: {
            accept: 'application/json',
            ...(req.body !== undefined && !isString ? { 'content-type': 'application/json' } : {}),
            ...req.headers,
          },
          body: req.body === undefined ? undefined : isString ? (req.body as string) : JSON.stringify(req.body),
          signal: AbortSignal.timeout(req.timeoutMs ?? defaultTimeoutMs),
        });
      } catch (error) {
        const e = error as Error;
        throw Errors.marketplaceUnavailable(marketplace, e.name === 'TimeoutError' ? `no answer within ${req.timeoutMs ?? defaultTimeoutMs} ms` : e.message);
      }
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      const { status } = response;
      if (status >= 200 && status < 300) return { status, headers: response.headers, body: body as T };
      if (status === 429) throw Errors.marketplaceRateLimited(marketplace, retryAfterMs(response.headers) ?? 1000);
      if (status === 401 || status === 403) throw Errors.marketplaceAuth(marketplace, `HTTP ${status} ${describe(body)}`);
      if (status >= 500 || status === 408) throw Errors.marketplaceUnavailable(marketplace, `HTTP ${status} ${describe(body)}`);
      throw Errors.marketplaceRejected(marketplace, describe(body), { status, body });
    },
  };
}

/** The most useful human message in a marketplace error body (common shapes: cause[], errors[], message). */
export function describe(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    for (const key of ['cause', 'errors', 'violations']) {
      const list = b[key];
      if (Array.isArray(list) && list.length) {
        const messages = list.map((c) => (c && typeof c === 'object' ? ((c as Record<string, unknown>).message as string) : String(c))).filter(Boolean);
        if (messages.length) return messages.join('; ');
      }
    }
    if (typeof b.message === 'string') return b.message;
    if (typeof b.error === 'string') return b.error;
  }
  return typeof body === 'string' ? body.slice(0, 500) : JSON.stringify(body ?? '').slice(0, 500);
}
