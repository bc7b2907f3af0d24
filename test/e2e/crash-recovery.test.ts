import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeMercadoLivre, FakeVtex } from '../fakes/index.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { serve } from '../support/processes.js';
import { notifyAll, stackConfig, WEBHOOK_TOKEN } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

/**
 * Durable before 2xx: a runtime killed (SIGKILL) after acknowledging notifications but before
 * processing them loses nothing — the next process picks every one of them up.
 */
describe('a runtime killed between the 2xx and the processing', () => {
  let vtex: FakeVtex;
  let ml: FakeMercadoLivre;
  let tdb: TestDatabase | undefined;
  let env: Record<string, string>;
  let args: string[];

  beforeAll(async () => {
    vtex = await FakeVtex.start({ account: 'crashstore' });
    ml = await FakeMercadoLivre.start();
    vtex.seed(60, { categoryId: 7, salesChannel: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'connector-crash-'));
    const config = join(dir, 'connector.json');
    writeFileSync(config, JSON.stringify(stackConfig(vtex, ml, ml.issueAccessToken())));
    if (process.env.DATABASE_URL) {
      // Its own schema pair on Postgres; the child processes open the same one.
      tdb = await openTestDatabase();
      env = tdb.env;
    } else {
      env = {};
    }
    args = ['--config', config, '--data-dir', join(dir, 'data')];
  });
  afterAll(async () => {
    await tdb?.cleanup();
    await ml?.close();
    await vtex?.close();
  });

  it('loses nothing: the restarted runtime processes every acknowledged notification', async () => {
    // First process: webhook only, so nothing can be processed before the kill.
    const first = await serve([...args, '--no-workers'], env);
    const webhook = `${first.address}/api/notification?token=${WEBHOOK_TOKEN}`;
    const skus = vtex.listSkus();
    await notifyAll({ vtex, webhook }, skus.map((s) => s.id));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(ml.counters.creates).toBe(0);

    const second = await serve(args, env);
    try {
      await waitFor(() => ml.items.size === skus.length, { timeoutMs: 90_000, describe: () => `${ml.items.size}/${skus.length} items\n${second.output().slice(-2000)}` });
      for (const sku of skus) {
        const item = ml.getItemBySellerSku(String(sku.id));
        expect(item?.available_quantity).toBe(sku.stock);
        expect(item?.price).toBe((sku.sellingPrice ?? sku.price) / 100);
      }
      expect(ml.counters.creates).toBe(skus.length);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  });
});
