// The fakes a bench talks to (fake VTEX and an unlimited fake Mercado Livre), in a process of their own so their CPU
// and memory are counted apart from the runtime's. Driven over IPC by the bench: `{ id, cmd, args }` in,
// `{ id, result | error }` out. Started by `startFakes()` (fakes.mjs).
import { FakeMercadoLivre, FakeVtex } from '@connector/fakes';

const vtex = await FakeVtex.start({ account: process.env.BENCH_ACCOUNT ?? 'benchstore' });
const ml = await FakeMercadoLivre.start();

/** (epoch ms, creates, updates), every SAMPLE_MS: when the n-th create or update arrived, to SAMPLE_MS. */
const SAMPLE_MS = 20;
const series = [];
const sample = () => series.push([performance.timeOrigin + performance.now(), ml.counters.creates, ml.counters.updates]);
setInterval(sample, SAMPLE_MS).unref();

const commands = {
  info: () => ({
    vtex: { url: vtex.url, account: vtex.account, appKey: vtex.appKey, appToken: vtex.appToken },
    ml: { url: ml.url, accessToken: ml.issueAccessToken() },
    pid: process.pid,
  }),

  /** Adds `count` generated SKUs (ids from 1), all in category `categoryId` and trade policy 1. */
  seed: ({ count, categoryId }) => {
    vtex.seed(count, { categoryId, salesChannel: 1, startId: 1 });
    return { skus: count };
  },

  /**
   * Changes SKUs `from`..`to` in VTEX as a round of the bench: `offer` moves stock and price (what StockModified /
   * PriceModified say), `catalog` renames the SKU (what HasStockKeepingUnitModified says).
   */
  bump: ({ from, to, kind, round }) => {
    for (let id = from; id <= to; id++) {
      const sku = vtex.getSku(id);
      if (!sku) continue;
      if (kind === 'offer') vtex.updateSku(id, { stock: 1 + ((sku.stock + 7) % 500), price: sku.price + (round % 2 ? 10 : -10) });
      else vtex.updateSku(id, { skuName: `${sku.skuName.replace(/ r\d+$/, '')} r${round}` });
    }
    return { changed: to - from + 1 };
  },

  counters: () => ({
    ml: { creates: ml.counters.creates, updates: ml.counters.updates, requests: ml.counters.requests, rejected: ml.counters.rejected, items: ml.items.size },
    vtex: { skuReads: vtex.counters.skuReads, productReads: vtex.counters.productReads, simulations: vtex.counters.simulations, simulatedItems: vtex.counters.simulatedItems, listCalls: vtex.counters.listCalls },
    createsTwice: [...ml.counters.createsBySku.values()].filter((n) => n > 1).length,
  }),

  /** When the marketplace had received `creates` creates / `updates` updates (epoch ms, to SAMPLE_MS), or null. */
  reachedAt: ({ creates, updates }) => {
    sample();
    const hit = series.find(([, c, u]) => (creates === undefined || c >= creates) && (updates === undefined || u >= updates));
    return hit ? hit[0] : null;
  },

  /** Updates per second between two epoch times (the delivery curve of a round). */
  perSecond: ({ from, to, field }) => {
    const column = field === 'creates' ? 1 : 2;
    const out = [];
    let prev = series.findLast(([t]) => t <= from)?.[column] ?? 0;
    for (let t = from + 1000; t < to + 1000; t += 1000) {
      const at = series.findLast(([s]) => s <= t)?.[column] ?? prev;
      out.push(at - prev);
      prev = at;
    }
    return out;
  },

  /** Every VTEX SKU against its Mercado Livre item: same stock, same price, same title. */
  verify: () => {
    const bySku = new Map();
    for (const item of ml.items.values()) if (item.seller_custom_field) bySku.set(item.seller_custom_field, item);
    const problems = [];
    let checked = 0;
    for (const sku of vtex.listSkus()) {
      checked++;
      const item = bySku.get(String(sku.id));
      const title = `${sku.productName} ${sku.skuName}`.trim().slice(0, 60).trim();
      const price = (sku.sellingPrice ?? sku.price) / 100;
      if (!item) problems.push({ sku: sku.id, problem: 'missing' });
      else if (item.available_quantity !== sku.stock || item.price !== price || item.title !== title) {
        problems.push({ sku: sku.id, vtex: { stock: sku.stock, price, title }, ml: { stock: item.available_quantity, price: item.price, title: item.title } });
      }
    }
    return { checked, mismatches: problems.length, examples: problems.slice(0, 5) };
  },

  rss: () => Math.round(process.memoryUsage().rss / 1048576),

  close: async () => {
    await ml.close();
    await vtex.close();
    setImmediate(() => process.exit(0));
    return true;
  },
};

process.on('message', async ({ id, cmd, args }) => {
  try {
    process.send({ id, result: await commands[cmd](args ?? {}) });
  } catch (error) {
    process.send({ id, error: error?.stack ?? String(error) });
  }
});
process.send({ ready: true });
