import { afterEach, describe, expect, it } from 'vitest';
import { type FakeCasasBahiaOptions, FakeCasasBahia } from './casasbahia/index.js';

const open: FakeCasasBahia[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(opts: FakeCasasBahiaOptions = {}): Promise<FakeCasasBahia> {
  const fake = await FakeCasasBahia.start(opts);
  open.push(fake);
  return fake;
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

const IMPORTER = '/api/v4/api-front-importer-v4/jersey';
const OFFER = '/api/v4/api-front-offer-v4/jersey';

async function call(fake: FakeCasasBahia, method: string, path: string, body?: unknown, auth?: Record<string, string>): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json', ...(auth ?? { client_id: fake.clientId, access_token: fake.accessToken }) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(fake.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

function sku(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    idSkuLojista: id,
    gtin: '7891234567895',
    imagens: ['https://img.example/1.jpg', 'https://img.example/2.jpg'],
    dimensao: { altura: 0.12, largura: 0.2, profundidade: 0.32, peso: 0.8 },
    atributos: [
      { idUda: '201', valor: '42' },
      { idUda: '202', valor: 'Azul' },
    ],
    preco: { padrao: '399,90', oferta: '349,90' },
    estoque: { quantidade: 10, tempoDePreparacao: 2 },
    ...overrides,
  };
}

function item(skus: Record<string, unknown>[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    idItem: 'P-14',
    titulo: 'Tênis de Corrida Aurora Pro Masculino',
    marca: 'Aurora',
    idCategoria: 1001,
    descricao: 'Tênis leve para corrida de rua.',
    garantia: 3,
    atributos: [{ idUda: '101', valor: 'Masculino' }],
    skus,
    ...overrides,
  };
}

/** Imports one SKU and walks it to FICHA_INTEGRADA. */
async function integrated(fake: FakeCasasBahia, id = 'VTEX-42'): Promise<void> {
  expect((await call(fake, 'POST', `${IMPORTER}/import/itens`, { itens: [item([sku(id)])] })).status).toBe(202);
  fake.advance(id);
  expect((await call(fake, 'PUT', `${IMPORTER}/import/itens/P-14/sku/${id}/optar`, { resultado: 'NEW_SKU' })).status).toBe(204);
  expect((await call(fake, 'PUT', `${IMPORTER}/import/itens/P-14/sku/${id}/confirmar`)).status).toBe(204);
  fake.advance(id);
  expect(fake.getImport(id)?.status).toBe('FICHA_INTEGRADA');
}

describe('FakeCasasBahia auth', () => {
  it('rotateAccessToken revokes the static token: the old one gets 401, the new one works', async () => {
    const fake = await start();
    const old = { client_id: fake.clientId, access_token: fake.accessToken };
    expect(fake.rotateAccessToken()).not.toBe(old.access_token);
    expect((await call(fake, 'GET', '/api/v2/sellerItems', undefined, old)).status).toBe(401);
    expect((await call(fake, 'GET', '/api/v2/sellerItems')).status).toBe(200);
    expect(fake.counters.unauthorized).toBe(1);
  });

  it('401s without client_id + access_token, in Via’s error shape', async () => {
    const fake = await start();
    for (const auth of [{}, { client_id: fake.clientId }, { client_id: fake.clientId, access_token: 'nope' }]) {
      const res = await call(fake, 'POST', `${IMPORTER}/import/itens`, { itens: [item([sku('VTEX-42')])] }, auth);
      expect(res).toMatchObject({
        status: 401,
        body: { errors: [{ code: '401.001', type: 'SecurityException', message: 'Você não tem permissão para acessar o recurso desejado' }] },
      });
    }
    expect(fake.imports.size).toBe(0);
    expect(fake.counters.unauthorized).toBe(3);
  });
});

describe('FakeCasasBahia import lifecycle', () => {
  it('setLifecycle switches between holding SKUs (manual) and moving them at the next request', async () => {
    const fake = await start({ rateLimit: false });
    fake.setLifecycle('manual');
    expect((await call(fake, 'POST', `${IMPORTER}/import/itens`, { itens: [item([sku('VTEX-42')])] })).status).toBe(202);
    const status = async () => (await call(fake, 'GET', `${IMPORTER}/import/itens/statusSku?idSkusLojista=VTEX-42`)).body.itens[0].skuStatus;
    expect(await status()).toBe('AGUARDANDO_PROCESSAMENTO');
    expect(await status()).toBe('AGUARDANDO_PROCESSAMENTO');
    fake.setLifecycle(undefined);
    expect(await status()).toBe('VALIDO');
  });

  it('walks AGUARDANDO_PROCESSAMENTO → VALIDO → opt-in → AGUARDANDO_CONFIRMACAO → confirm → INTEGRANDO → FICHA_INTEGRADA', async () => {
    const fake = await start({ lifecycle: 'manual', rateLimit: false });
    const imported = await call(fake, 'POST', `${IMPORTER}/import/itens`, {
      itens: [
        item([
          sku('VTEX-42'),
          sku('VTEX-43', {
            atributos: [
              { idUda: '201', valor: '43' },
              { idUda: '202', valor: 'Azul' },
            ],
          }),
        ]),
      ],
    });
    expect(imported.status).toBe(202);
    expect(imported.body.itens).toEqual([
      { idItem: 'P-14', idSkuLojista: 'VTEX-42', skuStatus: 'AGUARDANDO_PROCESSAMENTO' },
      { idItem: 'P-14', idSkuLojista: 'VTEX-43', skuStatus: 'AGUARDANDO_PROCESSAMENTO' },
    ]);
    const poll = async () =>
      (await call(fake, 'GET', `${IMPORTER}/import/itens/statusSku?idSkusLojista=VTEX-42,VTEX-43,UNKNOWN`)).body.itens.map((i: any) => i.skuStatus);
    expect(await poll()).toEqual(['AGUARDANDO_PROCESSAMENTO', 'AGUARDANDO_PROCESSAMENTO']);
    // Opting in before the catalogue processed the SKU is a business error.
    const early = await call(fake, 'PUT', `${IMPORTER}/import/itens/P-14/sku/VTEX-42/optar`, { resultado: 'NEW_SKU' });
    expect(early).toMatchObject({
      status: 422,
      body: { errors: [{ type: 'BusinessException', skuSellerId: 'VTEX-42', message: expect.stringContaining('AGUARDANDO_PROCESSAMENTO') }] },
    });

    expect(fake.advance()).toEqual([
      { idSkuLojista: 'VTEX-42', status: 'VALIDO' },
      { idSkuLojista: 'VTEX-43', status: 'VALIDO' },
    ]);
    expect((await call(fake, 'PUT', `${IMPORTER}/import/itens/P-14/sku/VTEX-42/confirmar`)).status).toBe(422);
    expect((await call(fake, 'PUT', `${IMPORTER}/import/itens/P-14/sku/VTEX-42/optar`, { resultado: 'maybe' })).status).toBe(400);
    expect((await call(fake, 'PUT', `${IMPORTER}/import/itens/P-99/sku/VTEX-42/optar`, { resultado: 'NEW_SKU' })).status).toBe(404);
    expect((await call(fake, 'PUT', `${IMPORTER}/import/itens/P-14/sku/VTEX-42/optar`, { resultado: 'NEW_SKU' })).status).toBe(204);
    expect((await call(fake, 'GET', `${IMPORTER}/import/itens/P-14/sku/VTEX-42/status`)).body).toEqual({
      idItem: 'P-14',
      idSkuLojista: 'VTEX-42',
      skuStatus: 'AGUARDANDO_CONFIRMACAO',
      violacoes: [],
    });
    expect((await call(fake, 'PUT', `${IMPORTER}/import/itens/P-14/sku/VTEX-42/confirmar`)).status).toBe(204);
    expect(fake.getImport('VTEX-42')?.status).toBe('INTEGRANDO');
    expect((await call(fake, 'GET', '/api/v2/sellerItems/VTEX-42')).status).toBe(404);
    expect(fake.advance('VTEX-42')).toEqual([{ idSkuLojista: 'VTEX-42', status: 'FICHA_INTEGRADA' }]);

    const offer = await call(fake, 'GET', '/api/v2/sellerItems/VTEX-42');
    expect(offer.body).toMatchObject({
      skuSellerId: 'VTEX-42',
      skuSiteId: expect.stringMatching(/^\d+$/),
      title: 'Tênis de Corrida Aurora Pro Masculino',
      gtin: ['7891234567895'],
      prices: expect.arrayContaining([{ default: 399.9, offer: 349.9, site: 'CB' }]),
      stocks: [{ quantity: 10, crossDockingTime: 2 }],
      status: expect.arrayContaining([{ active: true, site: 'CB' }]),
      dimensions: { height: 0.12, width: 0.2, length: 0.32, weight: 0.8 },
    });
    expect(await poll()).toEqual(['FICHA_INTEGRADA', 'VALIDO']);
    expect(fake.counters).toMatchObject({ creates: 2, optIns: 1, confirmations: 1 });
    // An integrated SKU cannot be imported again.
    expect((await call(fake, 'POST', `${IMPORTER}/import/itens`, { itens: [item([sku('VTEX-42')])] })).body.errors[0]).toMatchObject({
      code: '422.002',
      skuSellerId: 'VTEX-42',
    });
  });

  it('advances on the configured schedule as the fake clock moves, without sleeping', async () => {
    let now = 0;
    const fake = await start({ clock: () => now, lifecycle: { processingMs: 60_000, integrationMs: 300_000 } });
    await call(fake, 'POST', `${IMPORTER}/import/itens`, { itens: [item([sku('VTEX-42')])] });
    now = 59_999;
    expect(fake.getImport('VTEX-42')?.status).toBe('AGUARDANDO_PROCESSAMENTO');
    now = 60_000;
    expect((await call(fake, 'GET', `${IMPORTER}/import/itens/P-14/sku/VTEX-42/status`)).body.skuStatus).toBe('VALIDO');
    await call(fake, 'PUT', `${IMPORTER}/import/itens/P-14/sku/VTEX-42/optar`, { resultado: 'NEW_SKU' });
    await call(fake, 'PUT', `${IMPORTER}/import/itens/P-14/sku/VTEX-42/confirmar`);
    fake.advanceTime(299_000);
    expect(fake.getImport('VTEX-42')?.status).toBe('INTEGRANDO');
    fake.advanceTime(1_000);
    expect(fake.getImport('VTEX-42')?.status).toBe('FICHA_INTEGRADA');
    expect(fake.getSellerItem('VTEX-42')?.stocks).toEqual([{ quantity: 10, crossDockingTime: 2 }]);
  });

  it('ends INVALIDO with violations when category or attribute mapping is missing; a fixed re-import starts over', async () => {
    const fake = await start({ lifecycle: 'manual' });
    await call(fake, 'POST', `${IMPORTER}/import/itens`, {
      itens: [
        item([sku('VTEX-1')], { idItem: 'P-1', idCategoria: 4242 }),
        item(
          [
            sku('VTEX-2', {
              atributos: [
                { idUda: '201', valor: '42' },
                { idUda: '999', valor: 'x' },
              ],
            }),
          ],
          { idItem: 'P-2', atributos: [{ idUda: '101', valor: 'Homem' }] },
        ),
        item([sku('VTEX-3')], { idItem: 'P-3', idCategoria: 1000 }),
      ],
    });
    fake.advance();
    const res = await call(fake, 'GET', `${IMPORTER}/import/itens/statusSku?idSkusLojista=VTEX-1,VTEX-2,VTEX-3`);
    expect(res.body.itens).toEqual([
      {
        idItem: 'P-1',
        idSkuLojista: 'VTEX-1',
        skuStatus: 'INVALIDO',
        violacoes: [{ campo: 'idCategoria', mensagem: expect.stringContaining('Categoria 4242 não encontrada') }],
      },
      {
        idItem: 'P-2',
        idSkuLojista: 'VTEX-2',
        skuStatus: 'INVALIDO',
        violacoes: [
          { campo: 'atributos', mensagem: 'Valor "Homem" inválido para Gênero (Masculino, Feminino, Unissex)' },
          { campo: 'skus.atributos', mensagem: 'Atributo 999 não pertence à categoria 1001' },
          { campo: 'skus.atributos', mensagem: 'Atributo obrigatório 202 (Cor) não informado' },
        ],
      },
      {
        idItem: 'P-3',
        idSkuLojista: 'VTEX-3',
        skuStatus: 'INVALIDO',
        violacoes: [{ campo: 'idCategoria', mensagem: expect.stringContaining('não é uma categoria final') }],
      },
    ]);
    expect((await call(fake, 'POST', `${IMPORTER}/import/itens`, { itens: [item([sku('VTEX-1')], { idItem: 'P-1' })] })).status).toBe(202);
    fake.advance('VTEX-1');
    expect(fake.getImport('VTEX-1')).toMatchObject({ status: 'VALIDO', violacoes: [] });
    expect(fake.counters).toMatchObject({ creates: 3, updates: 1 });
    fake.invalidate('VTEX-1', [{ campo: 'imagens', mensagem: 'Imagem fora do padrão' }]);
    expect(fake.getImport('VTEX-1')?.violacoes).toEqual([{ campo: 'imagens', mensagem: 'Imagem fora do padrão' }]);
  });

  it('rejects a malformed import at once, listing every problem with its SKU', async () => {
    const fake = await start();
    const res = await call(fake, 'POST', `${IMPORTER}/import/itens`, {
      itens: [
        item(
          [
            sku('VTEX-42', {
              gtin: '7891234567890',
              imagens: ['https://a/1.jpg', 'https://a/2.jpg', 'https://a/3.jpg', 'https://a/4.jpg', 'ftp://a/5.jpg'],
              dimensao: { altura: 12, largura: 20, profundidade: 32, peso: 800 },
              preco: { padrao: '399.90', oferta: 349.9 },
            }),
            sku('VTEX-42', { preco: { padrao: '100,00', oferta: '120,00' }, estoque: { quantidade: -1 } }),
          ],
          { titulo: 'T'.repeat(151), marca: '', idCategoria: 'tênis' },
        ),
      ],
    });
    expect(res.status).toBe(400);
    const messages: string[] = res.body.errors.map((e: any) => e.message.replace('The informed attribute does not exist or is invalid: ', ''));
    expect(messages.map((m) => m.split(' (')[0]).sort()).toEqual(
      [
        'itens[0].titulo',
        'itens[0].marca',
        'itens[0].idCategoria',
        'itens[0].skus[0].gtin',
        'itens[0].skus[0].imagens',
        'itens[0].skus[0].imagens[4]',
        'itens[0].skus[0].dimensao.altura',
        'itens[0].skus[0].dimensao.largura',
        'itens[0].skus[0].dimensao.profundidade',
        'itens[0].skus[0].preco.padrao',
        'itens[0].skus[0].preco.oferta',
        'itens[0].skus[1].idSkuLojista',
        'itens[0].skus[1].preco.oferta',
        'itens[0].skus[1].estoque.quantidade',
      ].sort(),
    );
    expect(res.body.errors).toContainEqual({
      code: '400.002',
      type: 'APIException',
      message:
        'The informed attribute does not exist or is invalid: itens[0].skus[0].preco.padrao (must be a string with a comma decimal separator, e.g. "2999,90" (got "399.90"))',
      skuSellerId: 'VTEX-42',
    });
    expect(messages).toContainEqual(expect.stringContaining('at most 4 images (got 5)'));
    expect(messages).toContainEqual(expect.stringContaining('12 m is implausible'));
    expect(res.body.errors.find((e: any) => e.message.includes('dimensao.peso'))).toBeUndefined(); // 800 kg is heavy but plausible
    expect((await call(fake, 'POST', `${IMPORTER}/import/itens`, { itens: [] })).status).toBe(400);
    expect(fake.imports.size).toBe(0);
    expect(fake.counters.rejected).toBe(2);
  });
});

describe('FakeCasasBahia offers', () => {
  it('updates the price (numbers), refuses a drop over 50 % and a comma string, and answers the new price', async () => {
    const fake = await start({ rateLimit: false });
    await integrated(fake);
    expect((await call(fake, 'PUT', `${OFFER}/offer/price`, { idSkuLojista: 'VTEX-42', preco: { padrao: 379.9, oferta: '299.90' } })).status).toBe(204);
    expect(fake.getSellerItem('VTEX-42')?.prices).toContainEqual({ default: 379.9, offer: 299.9, site: 'CB' });
    const drop = await call(fake, 'PUT', `${OFFER}/offer/price`, { idSkuLojista: 'VTEX-42', preco: { padrao: 379.9, oferta: 149.9 } });
    expect(drop).toMatchObject({
      status: 422,
      body: { errors: [{ type: 'BusinessException', message: 'Preço Oferta possui variação maior que 50%', skuSellerId: 'VTEX-42' }] },
    });
    const both = await call(fake, 'PUT', `${OFFER}/offer/price`, { idSkuLojista: 'VTEX-42', preco: { padrao: 150, oferta: 140 } });
    expect(both.body.errors.map((e: any) => e.message)).toEqual(['Preço Oferta possui variação maior que 50%', 'Preço Padrão possui variação maior que 50%']);
    expect((await call(fake, 'PUT', `${OFFER}/offer/price`, { idSkuLojista: 'VTEX-42', preco: { padrao: 379.9, oferta: 150 } })).status).toBe(204); // exactly 50 % is allowed
    const comma = await call(fake, 'PUT', `${OFFER}/offer/price`, { idSkuLojista: 'VTEX-42', preco: { padrao: '379,90', oferta: 0 } });
    expect(comma.status).toBe(400);
    expect(comma.body.errors).toHaveLength(2);
    expect((await call(fake, 'PUT', `${OFFER}/offer/price`, { idSkuLojista: 'NOT-INTEGRATED', preco: { padrao: 10, oferta: 9 } })).status).toBe(404);
    expect(fake.getSellerItem('VTEX-42')?.prices[0]).toEqual({ default: 379.9, offer: 150, site: 'CB' });
    expect(fake.counters.priceUpdates).toBe(2);
  });

  it('updates stock; stock 0 deactivates the offer on every site', async () => {
    const fake = await start({ rateLimit: false });
    await integrated(fake);
    expect((await call(fake, 'PUT', `${OFFER}/offer/stock`, { idSkuLojista: 'VTEX-42', estoque: { quantidade: 3, tempoDePreparacao: 1 } })).status).toBe(204);
    expect((await call(fake, 'GET', '/api/v2/sellerItems/VTEX-42')).body.stocks).toEqual([{ quantity: 3, crossDockingTime: 1 }]);
    expect((await call(fake, 'PUT', `${OFFER}/offer/stock`, { idSkuLojista: 'VTEX-42', estoque: { quantidade: 0 } })).status).toBe(204);
    const item = (await call(fake, 'GET', '/api/v2/sellerItems/VTEX-42')).body;
    expect(item.status).toEqual([
      { active: false, site: 'CB' },
      { active: false, site: 'PF' },
      { active: false, site: 'EX' },
    ]);
    expect(item.stocks).toEqual([{ quantity: 0, crossDockingTime: 1 }]);
    expect((await call(fake, 'PUT', `${OFFER}/offer/stock`, { idSkuLojista: 'VTEX-42', estoque: { quantidade: -2 } })).status).toBe(400);
    expect(fake.counters).toMatchObject({ stockUpdates: 2, deactivations: 1 });
  });

  it('pages seller items with _offset/_limit (at most 50)', async () => {
    const fake = await start({ rateLimit: false });
    for (const id of ['A', 'B', 'C']) await integrated(fake, id);
    const page = await call(fake, 'GET', '/api/v2/sellerItems?_offset=1&_limit=2');
    expect(page.body.sellerItems.map((i: any) => i.skuSellerId)).toEqual(['B', 'C']);
    expect(page.body.metadata).toContainEqual({ key: 'totalRows', value: '3' });
    const tooMany = await call(fake, 'GET', '/api/v2/sellerItems?_offset=0&_limit=51');
    expect(tooMany).toMatchObject({ status: 400, body: { errors: [{ code: '400.003', type: 'QueryStringException' }] } });
    const ids = Array.from({ length: 51 }, (_, i) => `S${i}`).join(',');
    expect((await call(fake, 'GET', `${IMPORTER}/import/itens/statusSku?idSkusLojista=${ids}`)).status).toBe(400);
  });
});

describe('FakeCasasBahia rate limit and faults', () => {
  it('answers 429 with Retry-After past the bucket', async () => {
    let now = 0;
    const fake = await start({ rateLimit: { perSecond: 2 }, clock: () => now });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await call(fake, 'GET', '/api/v2/sellerItems'));
    expect(statuses.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(statuses[2]!.headers.get('retry-after')).toBe('1');
    expect(statuses[2]!.body).toEqual({
      errors: [{ code: '429', type: 'APIException', message: 'Request exceed the maximum quantity of allowed calls to the API' }],
    });
    now = 500;
    expect((await call(fake, 'GET', '/api/v2/sellerItems')).status).toBe(200);
    expect(fake.counters).toMatchObject({ rateLimited: 1, maxObservedPerSecond: 3 });
  });

  it('failNext, rateLimitNext and timeoutNext script the next answers', async () => {
    const fake = await start();
    fake.faults.failNext(1);
    expect(await call(fake, 'POST', `${IMPORTER}/import/itens`, { itens: [item([sku('VTEX-42')])] })).toMatchObject({
      status: 500,
      body: { errors: [{ code: '999.999', type: 'APIGenericError' }] },
    });
    expect(fake.imports.size).toBe(0);
    fake.faults.rateLimitNext(1, 62);
    expect((await call(fake, 'GET', '/api/v2/sellerItems')).headers.get('retry-after')).toBe('62');
    const held = fake.faults.timeoutNext(1);
    const outcome = call(fake, 'GET', '/api/v2/sellerItems').then(
      () => 'answered',
      () => 'dropped',
    );
    await held;
    await fake.close();
    expect(await outcome).toBe('dropped');
  });
});
