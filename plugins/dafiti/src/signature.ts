/**
 * SellerCenter request signing. Every call carries `Action`, `UserID`, `Version=1.0`, `Timestamp`
 * (ISO-8601 with its offset) and `Format` in the query string, plus `Signature`: the hex HMAC-SHA256,
 * keyed with the user's API key, of every other parameter sorted by name and joined as `name=value`
 * with `&`, names and values encoded as PHP's `rawurlencode` does (RFC 3986: only `A–Z a–z 0–9 - _ . ~`
 * stay as they are). The query sent is that same canonical string plus `&Signature=…`, so what
 * SellerCenter decodes and signs again is exactly what we signed.
 *
 * `node:crypto` is the one Node built-in a plugin host allows for this (no network module is touched).
 */
import { createHmac } from 'node:crypto';

/** PHP's rawurlencode: RFC 3986 unreserved characters stay, everything else becomes %XX (upper-case hex). */
export function rawUrlEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The string SellerCenter signs: every parameter but Signature, sorted by name, `name=value` joined with `&`. */
export function canonicalQuery(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort()
    .map((name) => `${rawUrlEncode(name)}=${rawUrlEncode(params[name]!)}`)
    .join('&');
}

/** Hex HMAC-SHA256 of the canonical query, keyed with the API key. */
export function sellerCenterSignature(params: Readonly<Record<string, string>>, apiKey: string): string {
  return createHmac('sha256', apiKey).update(canonicalQuery(params)).digest('hex');
}

/** The query string of a signed call: the canonical parameters, then `Signature`. */
export function signedQuery(params: Readonly<Record<string, string>>, apiKey: string): string {
  return `${canonicalQuery(params)}&Signature=${sellerCenterSignature(params, apiKey)}`;
}

/** SellerCenter's Timestamp: ISO-8601 to the second with an explicit offset (`2015-07-01T11:11:11+00:00`). */
export function sellerCenterTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}
