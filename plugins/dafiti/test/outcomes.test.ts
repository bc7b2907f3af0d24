/**
 * How a lot's FeedStatus answers become each SKU's outcome (lotResults), without a network: the cases the
 * end-to-end contract (test/e2e/dafiti-contract.test.ts) does not reach through the runtime.
 */
import { describe, expect, it } from 'vitest';
import { lotResults, parseFeedRef, sellerMessage, sellingPriceOf, type DafitiFeedRef } from '../src/index.js';
import type { FeedDetail } from '../src/sellercenter.js';

const detail = (over: Partial<FeedDetail> = {}): FeedDetail => ({ Feed: 'f', Status: 'Finished', Action: 'ProductUpdate', TotalRecords: 0, ProcessedRecords: 0, FailedRecords: 0, FeedErrors: [], ...over });

describe('dafiti: lot outcomes from FeedStatus', () => {
  it('accepts every SKU no feed names, with its SellerSku as the marketplace id', () => {
    const ref: DafitiFeedRef = { feeds: { ProductUpdate: 'u', Image: 'i' } };
    expect(lotResults(ref, { ProductUpdate: detail(), Image: detail({ Action: 'Image' }) }, ['1', '2'])).toEqual([
      { skuId: '1', ok: true, marketplaceId: '1' },
      { skuId: '2', ok: true, marketplaceId: '2' },
    ]);
  });

  it('fails a SKU an Image feed refused even though its ProductUpdate went through; a SKU not in the Image feed is not judged by it', () => {
    const ref: DafitiFeedRef = { feeds: { ProductUpdate: 'u', Image: 'i' }, noImage: ['3'] };
    const image = detail({ Action: 'Image', FeedErrors: [{ Code: 0, Message: "Field Images with value '9' has a problem: At most 8 images per product", SellerSku: '2' }] });
    const results = lotResults(ref, { ProductUpdate: detail(), Image: image }, ['1', '2', '3']);
    expect(results.map((r) => [r.skuId, r.ok])).toEqual([
      ['1', true],
      ['2', false],
      ['3', true],
    ]);
    expect(results[1]!.message).toBe(
      "Dafiti refused the images (Image): Field Images with value '9' has a problem: At most 8 images per product — Check the SKU's images in VTEX (Catalog > SKU > Images).",
    );
  });

  it('adopts a SKU whose ProductCreate says it already exists, fails the others SellerCenter named, every problem listed', () => {
    const create = detail({
      Action: 'ProductCreate',
      FeedErrors: [
        { Code: 0, Message: "Field SellerSku with value '1' has a problem: A product with this SellerSku already exists; use ProductUpdate", SellerSku: '1' },
        { Code: 0, Message: "Field Brand with value 'X' has a problem: This brand does not exist in our database. Please contact our support.", SellerSku: '2' },
        { Code: 0, Message: "Field PrimaryCategory with value '7' has a problem: Primary category Id is invalid", SellerSku: '2' },
      ],
    });
    const [adopted, refused] = lotResults({ feeds: { ProductCreate: 'c' } }, { ProductCreate: create }, ['1', '2']);
    expect(adopted).toEqual({ skuId: '1', ok: true, marketplaceId: '1' });
    expect(refused!.ok).toBe(false);
    expect(refused!.message).toContain("Dafiti refused the product (ProductCreate): Field Brand with value 'X' has a problem");
    expect(refused!.message).toContain('brandMap');
    expect(refused!.message).toContain("Field PrimaryCategory with value '7' has a problem: Primary category Id is invalid — Map the SKU's VTEX category");
  });

  it("a feed ending in Error fails every SKU in it with Dafiti's message", () => {
    const failed = detail({ Status: 'Error', FeedErrors: [{ Code: 6, Message: 'E006: Unexpected internal error', SellerSku: '' }] });
    const results = lotResults({ feeds: { ProductUpdate: 'u' } }, { ProductUpdate: failed }, ['1', '2']);
    expect(results.every((r) => !r.ok && /could not process the price, stock and details \(ProductUpdate\) feed u \(status Error\): E006: Unexpected internal error/.test(r.message!))).toBe(true);
    expect(results).toHaveLength(2);
  });

  it('gives no outcome for a SKU in a feed SellerCenter does not know (E012): the core sends it again', () => {
    expect(lotResults({ feeds: { ProductUpdate: 'gone' } }, { ProductUpdate: undefined }, ['1'])).toEqual([]);
  });

  it('fails a SKU refused when the feed was sent, with the words kept in the reference; maps SellerSku aliases back', () => {
    const ref: DafitiFeedRef = { feeds: { ProductUpdate: 'u' }, refused: { '1': sellerMessage('ProductUpdate', 'Price "1,5": Field must contain a positive number') }, aliases: { 'SKU-2': '2' } };
    const update = detail({ FeedErrors: [{ Code: 0, Message: 'Field Status with value x has a problem: bad', SellerSku: 'SKU-2' }] });
    const results = lotResults(ref, { ProductUpdate: update }, ['1', '2']);
    expect(results[0]).toEqual({ skuId: '1', ok: false, message: 'Dafiti refused the price, stock and details (ProductUpdate): Price "1,5": Field must contain a positive number' });
    expect(results[1]).toMatchObject({ skuId: '2', ok: false });
  });

  it('reads back the price a buyer pays: the SalePrice only while its dates include now', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    const base = { SellerSku: '1', Price: '100.00', SalePrice: '80.00' };
    expect(sellingPriceOf({ ...base, SaleStartDate: '2026-12-01T00:00:00+00:00', SaleEndDate: '2027-12-01T00:00:00+00:00' }, now)).toBe(80);
    expect(sellingPriceOf({ ...base, SaleStartDate: '2026-12-01T00:00:00+00:00', SaleEndDate: '2026-12-06T11:59:59+00:00' }, now)).toBe(100);
    expect(sellingPriceOf({ ...base, SalePrice: '' }, now)).toBe(100);
  });

  it('refuses a feed reference it did not write', () => {
    expect(() => parseFeedRef('not-json')).toThrow(/not a feed reference this plugin wrote/);
    expect(parseFeedRef(JSON.stringify({ feeds: { ProductCreate: 'c' } }))).toEqual({ feeds: { ProductCreate: 'c' } });
  });
});
