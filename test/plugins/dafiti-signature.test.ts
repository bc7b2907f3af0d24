/**
 * The Dafiti plugin's SellerCenter signature against a known vector: the parameters, API key and signatures
 * of a public SellerCenter client's documentation (the same vector the fake's own verifier is tested with,
 * test/fakes/dafiti.test.ts), then the plugin's signed query accepted by the fake's verifier.
 */
import { describe, expect, it } from 'vitest';
import { canonicalQuery, feedXml, priceFields, productRecord, rawUrlEncode, sellerCenterSignature, sellerCenterTimestamp, signedQuery } from '@connector/plugin-dafiti';
import { FakeDafiti, sellerCenterSignature as fakeSignature } from '../fakes/index.js';

const KEY = 'b1bdb357ced10fe4e9a69840cdd4f0e9c03d77fe';
const PARAMS = { Action: 'FeedStatus', Format: 'JSON', Timestamp: '2015-07-01T11:11:11+00:00', UserID: 'look@me.com', Version: '1.0' };

describe('Dafiti plugin: SellerCenter request signing', () => {
  it('signs the known vector: sorted, rawurlencoded parameters, hex HMAC-SHA256 with the API key', () => {
    expect(canonicalQuery(PARAMS)).toBe('Action=FeedStatus&Format=JSON&Timestamp=2015-07-01T11%3A11%3A11%2B00%3A00&UserID=look%40me.com&Version=1.0');
    expect(sellerCenterSignature(PARAMS, KEY)).toBe('3bd6b0a4f47ec743b18b182cc53ef13226a6a3cea18127923eb77e13c9dc302d');
    expect(sellerCenterSignature({ ...PARAMS, Action: 'ProductUpdate' }, KEY)).toBe('e601cd399a0a2b27cc214e489f115ef9d2ae0e9b735813fb6062f9766d17579e');
    // The order the parameters come in does not matter; Signature itself is never signed.
    expect(sellerCenterSignature({ Version: '1.0', UserID: 'look@me.com', Timestamp: PARAMS.Timestamp, Format: 'JSON', Action: 'FeedStatus', Signature: 'x' }, KEY)).toBe(
      '3bd6b0a4f47ec743b18b182cc53ef13226a6a3cea18127923eb77e13c9dc302d',
    );
    expect(signedQuery(PARAMS, KEY)).toBe(`${canonicalQuery(PARAMS)}&Signature=3bd6b0a4f47ec743b18b182cc53ef13226a6a3cea18127923eb77e13c9dc302d`);
  });

  it("encodes as PHP's rawurlencode: RFC 3986 unreserved characters only, spaces as %20", () => {
    expect(rawUrlEncode("a b!'()*~-_.")).toBe('a%20b%21%27%28%29%2A~-_.');
    expect(rawUrlEncode('["1","2"]')).toBe('%5B%221%22%2C%222%22%5D');
    expect(rawUrlEncode('ação')).toBe('a%C3%A7%C3%A3o');
    expect(sellerCenterTimestamp(Date.UTC(2015, 6, 1, 11, 11, 11, 500))).toBe('2015-07-01T11:11:11+00:00');
  });

  it('agrees with the fake SellerCenter verifier on parameters with reserved characters', () => {
    const params = { ...PARAMS, Action: 'GetProducts', SkuSellerList: '["A 1","B/2","ç"]', Filter: 'all' };
    expect(sellerCenterSignature(params, KEY)).toBe(fakeSignature(params, KEY));
  });

  it("a call the plugin's signing produces is accepted by the fake, a wrong key is refused with E007", async () => {
    const fake = await FakeDafiti.start({ apiKey: KEY, userId: 'look@me.com' });
    try {
      const ask = async (key: string) => {
        const query = signedQuery({ ...PARAMS, Action: 'GetProducts', Timestamp: sellerCenterTimestamp(Date.now()), SkuSellerList: '["1"]' }, key);
        return (await (await fetch(`${fake.url}/?${query}`)).json()) as Record<string, any>;
      };
      expect((await ask(KEY)).SuccessResponse?.Head.RequestAction).toBe('GetProducts');
      expect((await ask(`${KEY}0`)).ErrorResponse?.Head.ErrorCode).toBe('7');
    } finally {
      await fake.close();
    }
  });
});

describe('Dafiti plugin: feed records', () => {
  const now = Date.UTC(2026, 11, 6, 12, 0, 0);
  const payload = {
    SellerSku: '42',
    Name: 'Tênis & Cia <Pro>',
    Brand: 'Aurora',
    PrimaryCategory: '1001',
    Description: 'Leve\u0007 e macio',
    Price: 399.9,
    SalePrice: 349.9,
    Quantity: 7,
    ProductId: '7891234567895',
    Variation: '40',
    ProductData: [{ name: 'Color', value: 'Azul' }],
    Images: ['https://x/1.jpg'],
  };

  it('a sale below the list price goes as SalePrice with both dates; without one, Price is the selling price and an update ends a running sale', () => {
    expect(priceFields(payload, { now, saleDays: 10, endRunningSale: true })).toEqual({
      Price: '399.90',
      SalePrice: '349.90',
      SaleStartDate: '2026-12-06T12:00:00+00:00',
      SaleEndDate: '2026-12-16T12:00:00+00:00',
    });
    expect(priceFields({ Price: 100, SalePrice: 100 }, { now, saleDays: 10, endRunningSale: false })).toEqual({ Price: '100.00' });
    expect(priceFields({ Price: 90, SalePrice: 100 }, { now, saleDays: 10, endRunningSale: true })).toEqual({ Price: '100.00', SaleEndDate: '2026-12-06T12:00:00+00:00' });
  });

  it('builds escaped, well-formed XML without characters XML cannot carry', () => {
    const xml = feedXml('Product', [productRecord(payload, '42', { now, saleDays: 365, update: false })]);
    expect(xml).toContain('<Name>Tênis &amp; Cia &lt;Pro&gt;</Name>');
    expect(xml).toContain('<Description>Leve e macio</Description>');
    expect(xml).toContain('<ProductData><Color>Azul</Color></ProductData>');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8" \?>\n<Request><Product><SellerSku>42<\/SellerSku><Status>active<\/Status>/);
    expect(xml).toContain('<Quantity>7</Quantity><ProductId>7891234567895</ProductId><Variation>40</Variation>');
  });
});
