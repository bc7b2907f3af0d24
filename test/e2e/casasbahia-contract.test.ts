import { expect, it } from 'vitest';
import { FakeCasasBahia, type ViaCategory } from '../fakes/index.js';
import { itemContract } from '../support/item-contract.js';
import { lastLogId, notifyOk, stateOf, waitForLog } from '../support/pipeline.js';
import { CATEGORY_ID } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const COLOURS = ['Preto', 'Branco', 'Azul Marinho', 'Vermelho', 'Verde Musgo', 'Cinza'];
/** A Via leaf category whose SKU-level attributes the fake VTEX catalogue fills: Cor (closed list, required), Tamanho. */
const CATEGORY: ViaCategory = {
  id: 5001,
  name: 'Esporte > Teste',
  attributes: [
    { idUda: '202', nome: 'Cor', obrigatorio: true, variante: true, valores: COLOURS },
    { idUda: '201', nome: 'Tamanho', obrigatorio: false, variante: true },
  ],
};
const ATTRIBUTE_IDS: Record<string, string> = { Cor: '202', Tamanho: '201' };

itemContract<FakeCasasBahia>({
  marketplace: 'casasbahia',
  start: () => FakeCasasBahia.start({ rateLimit: false, categories: [CATEGORY] }),
  integration: (fake) => ({
    marketplace: 'casasbahia',
    categoryMappings: { [String(CATEGORY_ID)]: String(CATEGORY.id) },
    // As the README says to configure it: Via refuses cuts over 50 % of either price, so the guard holds them first.
    policies: { priceDropGuard: { maxDropPercent: 50, checkListPrice: true } },
    settings: { apiBaseUrl: fake.url, clientId: fake.clientId, accessToken: fake.accessToken, skuAttributeIds: ATTRIBUTE_IDS, crossDockingDays: 2, statusPollSeconds: 1 },
  }),
  view: (fake, id) => {
    const item = fake.getSellerItem(id);
    return item ? { price: Math.round(item.prices[0]!.offer * 100), stock: item.stocks[0]!.quantity, active: item.status[0]!.active } : undefined;
  },
  expectHolds: (fake, sku) => {
    const id = String(sku.id);
    const imported = fake.getImport(id);
    expect(imported, `import ${id}`).toMatchObject({
      idItem: String(sku.productId),
      idSkuLojista: id,
      status: 'FICHA_INTEGRADA',
      product: { titulo: sku.productName, marca: sku.brandName, idCategoria: CATEGORY.id, atributos: [] },
      gtin: sku.ean,
      imagens: sku.images.slice(0, 4),
      // Metres and kilograms, from VTEX's centimetres and grams.
      dimensao: { altura: sku.dimension.height / 100, largura: sku.dimension.width / 100, profundidade: sku.dimension.length / 100, peso: sku.dimension.weight / 1000 },
      atributos: Object.entries(sku.specifications!).map(([name, valor]) => ({ idUda: ATTRIBUTE_IDS[name], valor })),
      resultado: 'NEW_SKU',
    });
    expect(imported!.product.descricao).not.toMatch(/<[a-z]/);
    // The import's comma-decimal strings ("2999,90") read back as the offer's numbers.
    expect(fake.getSellerItem(id)).toMatchObject({
      prices: [{ default: sku.listPrice / 100, offer: (sku.sellingPrice ?? sku.price) / 100, site: 'CB' }, expect.anything(), expect.anything()],
      stocks: [{ quantity: sku.stock, crossDockingTime: 2 }],
    });
  },
  // Via's catalogue processing refuses a value outside the category's list: INVALIDO with its violation.
  rejected: { sku: { specifications: { Cor: 'Furta-cor' } }, message: /INVALIDO.*Valor "Furta-cor" inválido para Cor/ },
  auth: { kind: 'static', revoke: (fake, settings) => ({ ...settings, accessToken: fake.rotateAccessToken() }) },
  tamperStock: (fake, id, stock) => {
    fake.getSellerItem(id)!.stocks[0]!.quantity = stock;
  },
  extra: (ctx) => {
    it("follows Via's import lifecycle: while Via processes, the SKU waits (pending, no retry spent); created once the offer is live", async () => {
      const { stack, fake, seed, marketplace } = ctx();
      fake.setLifecycle('manual');
      try {
        const [sku] = seed(1);
        const id = String(sku!.id);
        const before = { creates: fake.counters.creates, optIns: fake.counters.optIns, confirmations: fake.counters.confirmations };
        await notifyOk(stack, sku!.id, { HasStockKeepingUnitModified: true });
        await waitFor(() => fake.getImport(id)?.status === 'AGUARDANDO_PROCESSAMENTO');
        const waiting = await waitFor(async () => {
          const s = await stateOf(stack, id, marketplace);
          return (s?.lastResponse as { code?: string } | null)?.code === 'CONNECTOR_ERR_DELIVERY_DEFERRED' ? s : undefined;
        });
        expect(waiting).toMatchObject({ status: 'pending', attempts: 0, marketplaceId: null });
        expect((waiting.lastResponse as { message: string }).message).toContain(`still processing SKU ${id} (AGUARDANDO_PROCESSAMENTO)`);

        // Via's catalogue accepts it; the next status read opts in as a new SKU and confirms.
        fake.advance(id);
        await waitFor(() => fake.getImport(id)?.status === 'INTEGRANDO', { describe: () => String(fake.getImport(id)?.status) });
        expect(await stack.runtime.state.idMapping(stack.vtex.account, marketplace, id)).toBeUndefined();
        fake.advance(id);
        await waitForLog(stack, id, 'S1', 0, marketplace);
        expect(await stateOf(stack, id, marketplace)).toMatchObject({ status: 'synced', attempts: 1, marketplaceId: id });
        expect(fake.counters.creates).toBe(before.creates + 1);
        expect(fake.counters.optIns).toBe(before.optIns + 1);
        expect(fake.counters.confirmations).toBe(before.confirmations + 1);
        expect(await stack.runtime.deadLetters.list()).toEqual([]);
      } finally {
        fake.setLifecycle(undefined);
      }
    });

    it('holds a price cut over 50 % with the price-drop guard; approved anyway, Via refuses it and the seller sees E3', async () => {
      const { stack, fake, create, marketplace } = ctx();
      const sku = await create();
      const id = String(sku.id);
      const offer = fake.getSellerItem(id)!.prices[0]!.offer;
      const cut = Math.round((sku.sellingPrice ?? sku.price) * 0.4);

      stack.vtex.updateSku(sku.id, { price: cut, sellingPrice: cut, listPrice: cut });
      await notifyOk(stack, sku.id, { PriceModified: true });
      const warning = await waitFor(async () => (await stack.runtime.policyWarnings.list({ store: stack.vtex.account, marketplace, skuId: id }))[0]);
      expect(warning).toMatchObject({ policy: 'price-drop-guard', kind: 'price', details: { proposed: cut, maxDropPercent: 50 } });
      expect(fake.getSellerItem(id)!.prices[0]!.offer).toBe(offer);

      const after = await lastLogId(stack);
      await stack.runtime.policyWarnings.approve(stack.vtex.account, marketplace, id, 'price-drop-guard');
      const refused = await waitForLog(stack, id, 'E3', after, marketplace);
      expect(refused.BusinessMessage).toContain('Preço Oferta possui variação maior que 50%');
      expect(await stateOf(stack, id, marketplace)).toMatchObject({ status: 'failed' });
      expect(fake.getSellerItem(id)!.prices[0]!.offer).toBe(offer);
    });
  },
});
