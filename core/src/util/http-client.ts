import { request } from 'undici';

export interface HttpAnswer {
  status: number;
  /** Lower-case names; repeated headers joined with ", " (as fetch's Headers does). */
  headers: Record<string, string>;
  /** Reads the body once, as text. */
  text(): Promise<string>;
  /** Discards the body (so the connection is reused). */
  discard(): Promise<void>;
}

/** The server did not answer (or went quiet mid-body) within the timeout. */
export class HttpTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const timedOut = (error: unknown) => TIMEOUT_CODES.has((error as { code?: string })?.code ?? '');

/**
 * One HTTP request over keep-alive connections, for the core's calls out (VTEX, and plugins' ctx.http
 * on their behalf). undici's `request` rather than `fetch`: the same client underneath, without the
 * WHATWG streams and objects fetch builds per request — measured on this kind of machine at ~70 µs of
 * CPU per request instead of ~300 (bench/README.md), which is most of a SKU update's HTTP cost.
 * Redirects are not followed (callers that follow them check each hop). The timeout is undici's own
 * (no answer within it, or no body bytes for that long), not an AbortSignal: a signal's timer holds
 * the request and its response in memory until it fires, seconds after the request is done.
 */
export async function httpRequest(options: { url: URL | string; method: string; headers?: Record<string, string>; body?: string; timeoutMs: number }): Promise<HttpAnswer> {
  const timeout = () => new HttpTimeoutError(`no answer within ${options.timeoutMs} ms`);
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(options.url, {
      method: options.method as never,
      headers: options.headers,
      body: options.body,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  } catch (error) {
    throw timedOut(error) ? timeout() : error;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    status: response.statusCode,
    headers,
    text: async () => {
      try {
        return await response.body.text();
      } catch (error) {
        throw timedOut(error) ? timeout() : error;
      }
    },
    discard: () => response.body.dump().then(() => undefined, () => undefined),
  };
}

/** A `get(name)` view of plain headers, for helpers written against fetch's Headers. */
export function headerGetter(headers: Record<string, string>): { get(name: string): string | null } {
  return { get: (name) => headers[name.toLowerCase()] ?? null };
}
