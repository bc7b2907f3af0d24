import fc from 'fast-check';
import type { FakeVtex } from '../../fakes/index.js';
import { WEBHOOK_TOKEN } from '../../support/stack.js';

/** One generated webhook request and the answer the connector owes it. */
export interface WebhookCase {
  kind: string;
  /** Raw body as sent (a string: it may be anything, not only JSON). */
  body: string;
  contentType: string;
  /** Query string token (undefined: none) and X-Connector-Token header (undefined: none). */
  token?: string;
  headerToken?: string;
  /** The status the connector must answer; 200 means the notification is stored and queued. */
  expected: number;
}

/** Field names the webhook reads (lower-cased): generated extra fields must not collide with them. */
const KNOWN = ['idsku', 'an', 'productid', 'idaffiliate', 'datemodified', 'isactive', 'stockmodified', 'pricemodified', 'hasstockkeepingunitmodified', 'hasstockkeepingunitremovedfromaffiliate'];

/** Spellings VTEX and its guides use: PascalCase as sent, lower case, camelCase. */
const spell = (name: string, variant: number) => (variant === 1 ? name.toLowerCase() : variant === 2 ? name[0]!.toLowerCase() + name.slice(1) : name);

const deep = (depth: number, leaf: unknown, asArray: boolean): string => (asArray ? '['.repeat(depth) + JSON.stringify(leaf) + ']'.repeat(depth) : '{"n":'.repeat(depth) + JSON.stringify(leaf) + '}'.repeat(depth));

/**
 * Generated webhook requests (fast-check, seeded): valid notifications in every spelling with unknown extra
 * fields (unicode, deep nesting), replays of earlier valid ones, wrong types, missing fields, bodies that are
 * not objects or not JSON, prototype-poisoning keys, huge bodies, deep nesting, unicode where ids belong,
 * wrong or missing tokens and unknown stores. Each case carries the status the connector owes it, from the
 * webhook's documented rules; `bodyLimit` is the webhook's configured limit (413 past it).
 */
export function webhookCases(vtex: FakeVtex, count: number, bodyLimit: number, seed = 5): WebhookCase[] {
  const skuIds = vtex.listSkus().map((s) => s.id);
  const json = 'application/json';
  const validBody = fc
    .record({
      sku: fc.constantFrom(...skuIds),
      idAsNumber: fc.boolean(),
      variant: fc.nat(2),
      flags: fc.record({ StockModified: fc.boolean(), PriceModified: fc.boolean(), HasStockKeepingUnitModified: fc.boolean(), IsActive: fc.boolean() }),
      extras: fc.dictionary(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((k) => !KNOWN.includes(k.toLowerCase()) && k !== '__proto__' && k !== 'constructor'),
        fc.jsonValue({ maxDepth: 3 }),
        { maxKeys: 3 },
      ),
      nested: fc.option(fc.record({ depth: fc.integer({ min: 50, max: 3000 }), asArray: fc.boolean() }), { freq: 4 }),
    })
    .map(({ sku, idAsNumber, variant, flags, extras, nested }) => {
      const base = vtex.notificationPayload(sku, flags);
      const body: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(base)) body[spell(k, variant)] = k === 'IdSku' && idAsNumber ? Number(v) : v;
      Object.assign(body, extras);
      let text = JSON.stringify(body);
      // Deep nesting in a field the webhook ignores: parsed, and harmless.
      if (nested) text = `${text.slice(0, -1)},"Deep":${deep(nested.depth, 'x', nested.asArray)}}`;
      return text;
    });

  const wrongValue = fc.oneof(
    fc.record({ field: fc.constant('IdSku'), value: fc.constantFrom<unknown>(true, {}, [], 1.5, -3, 0, 'abc', '', '12a', '١٢٣', '１２３', 'x'.repeat(40), [1], { id: 1 }) }),
    fc.record({ field: fc.constant('An'), value: fc.constantFrom<unknown>(123, '', 'x'.repeat(101), true, ['teststore'], {}) }),
    fc.record({ field: fc.constant('IsActive'), value: fc.constantFrom<unknown>('true', 1, 'yes', {}, []) }),
    fc.record({ field: fc.constant('DateModified'), value: fc.constantFrom<unknown>('yesterday', 5, '2024-13-45', '') }),
    fc.record({ field: fc.constant('ProductId'), value: fc.constantFrom<unknown>(-1, 0, 1.2, 'x', {}) }),
    fc.record({ field: fc.constant('StockModified'), value: fc.constantFrom<unknown>('false', 0, 1, 'on') }),
  );

  const arbitrary: fc.Arbitrary<Omit<WebhookCase, 'expected'> & { expected?: number }> = fc.oneof(
    { weight: 30, arbitrary: fc.tuple(validBody, fc.constantFrom(json, 'application/json; charset=utf-8')).map(([body, contentType]) => ({ kind: 'valid', body, contentType, token: WEBHOOK_TOKEN })) },
    { weight: 4, arbitrary: validBody.map((body) => ({ kind: 'valid, token in header', body, contentType: json, headerToken: WEBHOOK_TOKEN })) },
    {
      weight: 8,
      arbitrary: fc.tuple(fc.constantFrom(...skuIds), wrongValue).map(([sku, { field, value }]) => ({
        kind: `wrong type: ${field}`,
        body: JSON.stringify({ ...vtex.notificationPayload(sku, { StockModified: true }), [field]: value }),
        contentType: json,
        token: WEBHOOK_TOKEN,
        expected: 400,
      })),
    },
    {
      weight: 6,
      arbitrary: fc.tuple(fc.constantFrom(...skuIds), fc.subarray(['IdSku', 'An'], { minLength: 1 })).map(([sku, missing]) => {
        const body: Record<string, unknown> = vtex.notificationPayload(sku, { PriceModified: true });
        for (const f of missing) delete body[f];
        return { kind: `missing: ${missing.join(', ')}`, body: JSON.stringify(body), contentType: json, token: WEBHOOK_TOKEN, expected: 400 };
      }),
    },
    {
      weight: 5,
      arbitrary: fc.oneof(fc.jsonValue({ maxDepth: 4 }).filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)), fc.constant([])).map((value) => ({
        kind: 'not an object',
        body: JSON.stringify(value),
        contentType: json,
        token: WEBHOOK_TOKEN,
        expected: 400,
      })),
    },
    {
      weight: 5,
      arbitrary: fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('{"IdSku": ', '{', '}', '{"IdSku":"1",}', "{'IdSku':'1'}", 'null null', '\u0000', '{"a":1}{"b":2}')).map((body) => ({
        kind: 'not JSON',
        body,
        contentType: json,
        token: WEBHOOK_TOKEN,
      })),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(fc.constantFrom(...skuIds), fc.constantFrom('__proto__', 'constructor')).map(([sku, key]) => ({
        kind: `prototype poisoning: ${key}`,
        body: JSON.stringify(vtex.notificationPayload(sku)).replace(/^\{/, key === '__proto__' ? '{"__proto__":{"isAdmin":true},' : '{"constructor":{"prototype":{"isAdmin":true}},'),
        contentType: json,
        token: WEBHOOK_TOKEN,
        expected: 400,
      })),
    },
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom(...skuIds), fc.integer({ min: bodyLimit + 1, max: bodyLimit * 8 }), fc.constantFrom('x', 'é', '🛒')).map(([sku, bytes, ch]) => ({
        kind: 'huge body',
        body: JSON.stringify({ ...vtex.notificationPayload(sku), Padding: ch.repeat(Math.ceil(bytes / Buffer.byteLength(ch))) }),
        contentType: json,
        token: WEBHOOK_TOKEN,
        expected: 413,
      })),
    },
    {
      weight: 4,
      arbitrary: fc.tuple(fc.integer({ min: 1000, max: 12_000 }), fc.boolean()).map(([depth, asArray]) => ({
        kind: 'deep nesting (whole body)',
        body: deep(depth, { IdSku: '1' }, asArray),
        contentType: json,
        token: WEBHOOK_TOKEN,
      })),
    },
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom(...skuIds), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 })).map(([sku, account]) => ({
        kind: 'unicode store',
        body: JSON.stringify({ ...vtex.notificationPayload(sku), An: account }),
        contentType: json,
        token: WEBHOOK_TOKEN,
        // A store this connector does not serve (or, past 100 characters, not a store name at all).
        expected: account === vtex.account ? 200 : account.length > 100 ? 400 : 401,
      })),
    },
    {
      weight: 6,
      arbitrary: fc.tuple(fc.constantFrom(...skuIds), fc.option(fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), { nil: undefined }), fc.boolean()).map(([sku, token, inHeader]) => ({
        kind: token === undefined ? 'no token' : 'wrong token',
        body: JSON.stringify(vtex.notificationPayload(sku, { StockModified: true })),
        contentType: json,
        ...(inHeader ? { headerToken: token } : { token }),
        expected: token === WEBHOOK_TOKEN ? 200 : 401,
      })),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(...skuIds), fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml')).map(([sku, contentType]) => ({
        kind: 'wrong content type',
        body: JSON.stringify(vtex.notificationPayload(sku)),
        contentType,
        token: WEBHOOK_TOKEN,
        // fastify reads text/plain as a string, which the webhook refuses as not an object (400); other types: 415.
        expected: contentType === 'text/plain' ? 400 : 415,
      })),
    },
  );

  const generated = fc.sample(arbitrary, { numRuns: count, seed });
  const cases: WebhookCase[] = [];
  const validSoFar: WebhookCase[] = [];
  for (const [i, c] of generated.entries()) {
    // Every tenth request replays an earlier valid notification byte for byte (same Version, DateModified).
    if (i % 10 === 9 && validSoFar.length) {
      const replay = validSoFar[(i * 7919) % validSoFar.length]!;
      cases.push({ ...replay, kind: 'replayed duplicate' });
      continue;
    }
    const done: WebhookCase = { ...c, expected: expectedStatus(c, bodyLimit) };
    cases.push(done);
    if (done.expected === 200) validSoFar.push(done);
  }
  return cases;
}

/** The rules the webhook documents, in the order it applies them. */
function expectedStatus(c: Omit<WebhookCase, 'expected'> & { expected?: number }, bodyLimit: number): number {
  if (Buffer.byteLength(c.body) > bodyLimit) return 413;
  if (c.expected !== undefined) return c.expected;
  // Not JSON, or JSON that is not an object with IdSku and An (deep nesting as the whole body): a 400.
  if (c.kind === 'not JSON' || c.kind.startsWith('deep nesting')) return 400;
  return 200;
}
