import { Errors } from '../errors/errors.js';
import { headerGetter, httpRequest, type HttpAnswer } from '../util/http-client.js';
import { retryAfterMs } from '../vtex/vtex-client.js';
import type { WireHttpRequest, WireHttpResponse } from './rpc/protocol.js';

const MAX_REDIRECTS = 5;

/** `api.example.com` matches itself; `*.example.com` matches any sub-domain of example.com. */
export function isHostAllowed(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase();
  return patterns.some((p) => (p.startsWith('*.') ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p));
}

export interface PluginHttpTarget {
  plugin: string;
  marketplace: string;
  /** The integration's `apiBaseUrl` setting: relative URLs resolve against it, and its host is allowed. */
  baseUrl?: string;
  /** Host patterns from the manifest's allowedHosts, plus the base URL's host. */
  allowedHosts: readonly string[];
  defaultTimeoutMs: number;
}

/** Resolves a plugin's URL and refuses it unless its scheme is http(s) and its host is allowed. */
export function resolvePluginUrl(target: PluginHttpTarget, url: string): URL {
  let resolved: URL;
  try {
    resolved = target.baseUrl ? new URL(url, target.baseUrl.endsWith('/') ? target.baseUrl : `${target.baseUrl}/`) : new URL(url);
  } catch {
    throw Errors.pluginMessageInvalid(target.plugin, 'ctx.http request', `"${url}" is not a URL${target.baseUrl ? '' : ' (no apiBaseUrl setting to resolve it against)'}`);
  }
  if (resolved.protocol !== 'https:' && resolved.protocol !== 'http:') {
    throw Errors.pluginMessageInvalid(target.plugin, 'ctx.http request', `${resolved.protocol} URLs are not allowed; use http or https`);
  }
  if (!isHostAllowed(resolved.hostname, target.allowedHosts)) throw Errors.pluginHostNotAllowed(target.plugin, resolved.hostname, [...target.allowedHosts]);
  return resolved;
}

/**
 * Sends a plugin's request from the core (the plugin's host has no network of its own): fetch with a
 * timeout, JSON in and out, redirects followed only to allowed hosts, and the marketplace's answers
 * turned into the typed errors the delivery stage acts on.
 */
export async function sendPluginRequest(target: PluginHttpTarget, req: WireHttpRequest): Promise<WireHttpResponse> {
  const { marketplace } = target;
  const timeoutMs = req.timeoutMs ?? target.defaultTimeoutMs;
  const isString = typeof req.body === 'string';
  let url = resolvePluginUrl(target, req.url);
  let method: string = req.method;
  let body: string | undefined = req.body === undefined ? undefined : isString ? (req.body as string) : JSON.stringify(req.body);
  // One deadline for the whole exchange, redirects and body included.
  const deadline = Date.now() + timeoutMs;
  const unavailable = (error: unknown) => {
    const e = error as Error;
    return Errors.marketplaceUnavailable(marketplace, e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : e.message);
  };
  let response: HttpAnswer;
  for (let redirects = 0; ; redirects++) {
    try {
      response = await httpRequest({
        url,
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined && !isString ? { 'content-type': 'application/json' } : {}),
          ...req.headers,
        },
        body,
        timeoutMs: Math.max(1, deadline - Date.now()),
      });
    } catch (error) {
      throw unavailable(error);
    }
    const location = response.headers.location;
    if (response.status < 300 || response.status >= 400 || !location) break;
    if (redirects >= MAX_REDIRECTS) throw Errors.marketplaceUnavailable(marketplace, `more than ${MAX_REDIRECTS} redirects`);
    await response.discard();
    // A redirect must land on an allowed host too; 303 (and 301/302 after POST, as browsers do) becomes a GET.
    url = resolvePluginUrl(target, new URL(location, url).href);
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw unavailable(error);
  }
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  const { status } = response;
  if (status >= 200 && status < 300) return { status, headers: response.headers, body: parsed };
  if (status === 429) throw Errors.marketplaceRateLimited(marketplace, retryAfterMs(headerGetter(response.headers)) ?? 1000);
  if (status === 401 || status === 403) throw Errors.marketplaceAuth(marketplace, `HTTP ${status} ${describe(parsed)}`);
  if (status >= 500 || status === 408) throw Errors.marketplaceUnavailable(marketplace, `HTTP ${status} ${describe(parsed)}`);
  throw Errors.marketplaceRejected(marketplace, describe(parsed), { status, body: parsed });
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
