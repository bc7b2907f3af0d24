// SellerCenter request signing: every call carries Action, UserID, Version=1.0, Timestamp (ISO-8601) and Format in the
// query, plus Signature = hex HMAC-SHA256, keyed with the user's API key, of all other parameters sorted by name and
// joined as name=value with "&", names and values URL-encoded as PHP's rawurlencode does (RFC 3986).
import { createHmac, timingSafeEqual } from 'node:crypto';

/** PHP rawurlencode: RFC 3986 unreserved characters stay, everything else is %XX (upper case). */
export function rawUrlEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The string SellerCenter signs: every parameter except Signature, sorted by name. */
export function canonicalQuery(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${rawUrlEncode(k)}=${rawUrlEncode(params[k]!)}`)
    .join('&');
}

export function sellerCenterSignature(params: Readonly<Record<string, string>>, apiKey: string): string {
  return createHmac('sha256', apiKey).update(canonicalQuery(params)).digest('hex');
}

/** Constant-time comparison of a received signature with the expected one. */
export function signatureMatches(params: Readonly<Record<string, string>>, apiKey: string, signature: string): boolean {
  const wanted = Buffer.from(sellerCenterSignature(params, apiKey), 'utf8');
  const given = Buffer.from(signature.toLowerCase(), 'utf8');
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** The query string of a signed call (for tests and examples): params + Signature. */
export function signedQuery(params: Readonly<Record<string, string>>, apiKey: string): string {
  return `${canonicalQuery(params)}&Signature=${sellerCenterSignature(params, apiKey)}`;
}
