/**
 * Every document the Amazon plugin builds, checked against Amazon's own published schemas (test/fixtures/amazon-sp-api,
 * see its NOTICE): JSON_LISTINGS_FEED documents with each kind of message the plugin sends (UPDATE for a new listing,
 * PARTIAL_UPDATE of every attribute for an existing one, PARTIAL_UPDATE of the stock to 0 for a withdrawal) against
 * listings-feed-schema-v2.json, and the Listings Items PUT/PATCH bodies against the Swagger models
 * ListingsItemPutRequest / ListingsItemPatchRequest. Payloads come from the plugin's own manifest through the core's
 * mapping engine, from VTEX snapshots, as the runtime builds them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { compileMapping, type MappingContext, type SkuSnapshot } from '@connector/core';
import { vtexSnapshot } from '@connector/core/testing';
import {
  buildFeed,
  deactivationPatches,
  deleteMessage,
  feedDocument,
  MAX_FEED_BYTES,
  MAX_FEED_MESSAGES,
  patchBody,
  putBody,
  resultsFromReport,
  toPatches,
  type AttributeContext,
} from '@connector/plugin-amazon';
import { readAmazonFixture } from '../fakes/index.js';

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '../../plugins/amazon/package.json'), 'utf8'));
const marketplace = manifest.contributes.marketplace;
const SELLER = 'A2FAKESELLER01';
const c: AttributeContext = { marketplaceId: 'A2Q3Y263D00KWC', languageTag: 'pt_BR', fulfillmentChannelCode: 'DEFAULT' };
/** The settings' schema defaults, plus the specifications a store maps to Amazon attributes. */
const settings = { sellerId: SELLER, marketplaceId: c.marketplaceId, conditionType: 'new_new', currency: 'BRL', languageTag: 'pt_BR', specificationAttributes: { Cor: 'color', Tamanho: 'size' } };

const ajv = new Ajv({ allErrors: true, strict: false });
const feedSchema = ajv.compile(readAmazonFixture('listings-feed-schema-v2.json') as object);
const messageSchema = ajv.compile(readAmazonFixture('listings-feed-message-schema-v2.json') as object);
const swagger = readAmazonFixture('listingsItems_2021-08-01.json') as { definitions: Record<string, unknown> };
const model = (name: string) => ajv.compile({ definitions: swagger.definitions, $ref: `#/definitions/${name}` });
const putRequest = model('ListingsItemPutRequest');
const patchRequest = model('ListingsItemPatchRequest');
const reportSchema = ajv.compile(readAmazonFixture('listings-feed-processing-report-schema-v2.json') as object);

const { mapping, problems } = compileMapping(marketplace.fieldMappings, { marketplace: 'amazon' });

async function payloadOf(snapshot: SkuSnapshot, productType = 'SHOES'): Promise<Record<string, unknown>> {
  const context: MappingContext = {
    sku: snapshot.sku,
    product: snapshot.product,
    offer: snapshot.offer,
    store: snapshot.store,
    skuId: snapshot.skuId,
    salesChannel: snapshot.salesChannel,
    categoryId: snapshot.categoryId,
    category: { vtexId: snapshot.categoryId, marketplaceId: productType },
    settings,
  };
  const [result] = await mapping.run([{ context }]);
  expect(result!.errors).toEqual([]);
  return result!.payload;
}

const images = (id: number, n: number) => Array.from({ length: n }, (_, k) => `https://teststore.vteximg.com.br/arquivos/ids/${id * 10 + k}/foto-${k + 1}.jpg`);
/** A rich SKU (every row filled, 12 images, mapped specifications) and a lean one (no EAN, no reference, one image). */
const rich = () =>
  payloadOf(
    vtexSnapshot({ skuId: 101, productName: 'Tênis de Corrida Vento Sul Pro', name: 'Azul 42', brand: 'Vento Sul', ean: '7890000001013', refId: 'REF-101', images: images(101, 12), price: 19_990, listPrice: 24_990, sellingPrice: 17_990, stock: 7, specifications: { Cor: 'Azul', Tamanho: '42', Material: 'Couro' }, description: '<p>Leve <b>e</b> macio</p>' }),
  );
const lean = () => payloadOf(vtexSnapshot({ skuId: 102, productName: 'Garrafa Térmica Ipê', name: 'Preto', brand: 'Ipê', images: images(102, 1), price: 4_990, stock: 0 }), 'HOME');

function expectValidFeed(document: string) {
  const parsed = JSON.parse(document);
  const valid = feedSchema(parsed);
  expect(feedSchema.errors ?? [], 'listings-feed-schema-v2.json').toEqual([]);
  expect(valid).toBe(true);
  for (const m of parsed.messages) {
    expect(messageSchema(m), JSON.stringify(messageSchema.errors)).toBe(true);
  }
  return parsed as { header: Record<string, unknown>; messages: Record<string, any>[] };
}

describe('amazon: the documents the plugin builds validate against Amazon’s schemas', () => {
  it('the manifest mapping compiles', () => {
    expect(problems).toEqual([]);
  });

  it('a feed with each kind of message: UPDATE (new), PARTIAL_UPDATE (existing, every attribute), PARTIAL_UPDATE stock 0 (withdrawal)', async () => {
    const [a, b] = [await rich(), await lean()];
    const lot = {
      items: [
        { skuId: '101', payload: a },
        { skuId: '102', payload: b, marketplaceId: 'HOME:102' },
        { skuId: '103', payload: {}, marketplaceId: 'SHOES:103', withdraw: true as const },
      ],
    };
    const { document, messages, skuIds } = buildFeed(lot, SELLER, c, 'pt_BR');
    const parsed = expectValidFeed(document);
    expect(parsed.header).toEqual({ sellerId: SELLER, version: '2.0', issueLocale: 'pt_BR', report: { includedData: ['summaries'], apiVersion: '2021-08-01' } });
    expect(skuIds).toEqual(['101', '102', '103']);
    expect(messages.map((m) => [m.messageId, m.sku, m.operationType])).toEqual([
      [1, '101', 'UPDATE'],
      [2, '102', 'PARTIAL_UPDATE'],
      [3, '103', 'PARTIAL_UPDATE'],
    ]);
    const [update, partial, withdraw] = parsed.messages;
    // The new listing: product facts and offer together (requirements LISTING), in Amazon's attribute format.
    expect(update).toMatchObject({ productType: 'SHOES', requirements: 'LISTING' });
    const attrs = update!.attributes;
    expect(attrs.item_name).toEqual([{ value: 'Tênis de Corrida Vento Sul Pro Azul 42', language_tag: 'pt_BR', marketplace_id: c.marketplaceId }]);
    expect(attrs.brand).toEqual([{ value: 'Vento Sul', language_tag: 'pt_BR', marketplace_id: c.marketplaceId }]);
    expect(attrs.condition_type).toEqual([{ value: 'new_new', marketplace_id: c.marketplaceId }]);
    expect(attrs.product_description[0].value).toBe('Leve e macio');
    expect(attrs.externally_assigned_product_identifier).toEqual([{ type: 'ean', value: '7890000001013', marketplace_id: c.marketplaceId }]);
    expect(attrs.purchasable_offer).toEqual([{ currency: 'BRL', our_price: [{ schedule: [{ value_with_tax: 179.9 }] }], marketplace_id: c.marketplaceId }]);
    expect(attrs.list_price).toEqual([{ currency: 'BRL', value: 249.9, marketplace_id: c.marketplaceId }]);
    expect(attrs.fulfillment_availability).toEqual([{ fulfillment_channel_code: 'DEFAULT', quantity: 7 }]);
    expect(attrs.main_product_image_locator).toEqual([{ media_location: images(101, 1)[0], marketplace_id: c.marketplaceId }]);
    // 12 VTEX images: the main one and 8 others (Amazon's slots), the rest left out.
    expect(Object.keys(attrs).filter((k) => k.startsWith('other_product_image_locator_')).sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `other_product_image_locator_${n}`));
    expect(attrs.color).toEqual([{ value: 'Azul', language_tag: 'pt_BR', marketplace_id: c.marketplaceId }]);
    expect(attrs.size[0].value).toBe('42');
    expect(attrs.Material ?? attrs.material).toBeUndefined();
    expect(attrs.item_package_weight).toEqual([{ value: 500, unit: 'grams', marketplace_id: c.marketplaceId }]);
    // The existing listing: every attribute the payload fills, none it does not (no EAN in VTEX → none sent).
    expect(partial).not.toHaveProperty('requirements');
    expect(partial!.productType).toBe('HOME');
    expect(partial!.attributes.fulfillment_availability).toEqual([{ fulfillment_channel_code: 'DEFAULT', quantity: 0 }]);
    expect(partial!.attributes).not.toHaveProperty('externally_assigned_product_identifier');
    // The withdrawal: the stock only, to 0, under the product type kept in the connector's id.
    expect(withdraw).toEqual({ messageId: 3, sku: '103', operationType: 'PARTIAL_UPDATE', productType: 'SHOES', attributes: { fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 0 }] } });
  });

  it('numbers messages in skuId order, whatever order the lot comes in (checkFeed rebuilds it from the skuIds)', async () => {
    const a = await rich();
    const items = ['30', '4', '211', '1000'].map((skuId) => ({ skuId, payload: { ...a, sku: skuId } }));
    const { messages, skuIds } = buildFeed({ items }, SELLER, c);
    expect(skuIds).toEqual(['1000', '211', '30', '4']);
    expect(messages.map((m) => m.sku)).toEqual(skuIds);
  });

  it('a DELETE message (not sent by the plugin today: withdrawals keep the listing) is valid too', () => {
    const doc = JSON.stringify(feedDocument(SELLER, [deleteMessage(1, '101')]));
    expectValidFeed(doc);
  });

  it('stays under 10 MiB and 25,000 messages: the items that do not fit are left for the next lot', async () => {
    const a = await rich();
    const big = { ...a, product_description: 'x'.repeat(1_990) };
    const items = Array.from({ length: 6_000 }, (_, i) => ({ skuId: String(10_000 + i), payload: { ...big, sku: String(10_000 + i) } }));
    const { document, messages } = buildFeed({ items }, SELLER, c);
    expect(Buffer.byteLength(document)).toBeLessThanOrEqual(MAX_FEED_BYTES);
    expect(Buffer.byteLength(document)).toBeGreaterThan(MAX_FEED_BYTES - 10_000);
    expect(messages.length).toBeGreaterThan(1_000);
    expect(messages.length).toBeLessThan(items.length);
    expectValidFeed(document);

    const tiny = Array.from({ length: MAX_FEED_MESSAGES + 5 }, (_, i) => ({ skuId: String(100_000 + i), payload: {}, marketplaceId: `SHOES:${100_000 + i}` }));
    const capped = buildFeed({ items: tiny }, SELLER, c);
    expect(capped.messages).toHaveLength(MAX_FEED_MESSAGES);
    expectValidFeed(capped.document);
  });

  it('Listings Items bodies: PUT (create), PATCH of changed attributes, PATCH of everything, deactivation', async () => {
    const a = await rich();
    const put = putBody(a, c);
    expect(putRequest(put), JSON.stringify(putRequest.errors)).toBe(true);
    expect(put).toMatchObject({ productType: 'SHOES', requirements: 'LISTING' });

    const stock = patchBody('SHOES', toPatches(a, c, ['quantity']));
    expect(patchRequest(stock), JSON.stringify(patchRequest.errors)).toBe(true);
    expect(stock.patches).toEqual([{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 7 }] }]);

    const price = patchBody('SHOES', toPatches(a, c, ['price']));
    expect(patchRequest(price)).toBe(true);
    expect(price.patches.map((p) => p.path)).toEqual(['/attributes/purchasable_offer', '/attributes/list_price']);

    const everything = patchBody('SHOES', toPatches(await lean(), c));
    expect(patchRequest(everything)).toBe(true);
    // One image left: the other slots are deleted, so Amazon does not keep a picture VTEX removed.
    expect(everything.patches.filter((p) => p.op === 'delete').map((p) => p.path)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `/attributes/other_product_image_locator_${n}`));

    const off = patchBody('SHOES', deactivationPatches(c));
    expect(patchRequest(off)).toBe(true);
  });

  it("maps Amazon's own example processing report back to SKUs: ERROR issues by messageId, every one named", () => {
    const report = readAmazonFixture('listings-feed-processing-report-schema-v2.example.json') as Parameters<typeof resultsFromReport>[0];
    expect(reportSchema(report)).toBe(true);
    // Messages 1…5 of the example, numbered in skuId order by the plugin.
    const skuIds = ['11', '12', '13', '14', '15'];
    const results = resultsFromReport(report, skuIds);
    expect(results.filter((r) => !r.ok).map((r) => r.skuId)).toEqual(['14', '15']);
    const b = results.find((r) => r.skuId === '14')!;
    expect(b.message).toContain("'[batteries_required]' is required but not supplied.");
    expect(b.message).toContain("'[supplier_declared_dg_hz_regulation]' is required but not supplied.");
    expect(b.message).toContain('90220');
    expect(results.find((r) => r.skuId === '15')!.message).toMatch(/our_price.*99022.*price in the trade policy/);
    expect(results.filter((r) => r.ok).map((r) => r.skuId)).toEqual(['11', '12', '13']);
  });
});
