import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compileMapping,
  compileSpec,
  CORE_TRANSFORMS,
  describeTransform,
  isConnectorError,
  renderMappingTable,
  type FieldMappingRow,
  type MappingContext,
  type PluginManifest,
  type TransformRequest,
  type TransformStep,
  type VtexSkuAndContext,
} from '@connector/core';

const ML_MANIFEST = JSON.parse(readFileSync(join(import.meta.dirname, '../../plugins/mercadolivre/package.json'), 'utf8')) as PluginManifest;

function sku(overrides: Partial<VtexSkuAndContext> = {}): VtexSkuAndContext {
  return {
    Id: 42,
    ProductId: 7,
    NameComplete: 'Tênis de Corrida Aurora Pro Azul 42',
    ProductName: 'Tênis de Corrida Aurora Pro',
    SkuName: 'Azul 42',
    IsActive: true,
    BrandName: 'Aurora',
    SalesChannels: [1],
    Images: [{ ImageUrl: 'https://img/1.jpg' }, { ImageUrl: 'https://img/2.jpg' }],
    SkuSpecifications: [{ FieldId: 1, FieldName: 'Cor', FieldValues: ['Azul'] }],
    Dimension: { weight: 1250, height: 12, width: 30, length: 40 },
    AlternateIds: { Ean: '7891234567895' },
    ProductDescription: '<p>Leve &amp; rápido</p><ul><li>Amortecimento</li></ul>',
    ...overrides,
  };
}

function context(overrides: Partial<MappingContext> = {}): MappingContext {
  return {
    sku: sku(),
    product: { Id: 7, Name: 'Tênis de Corrida Aurora Pro', CategoryId: 3, BrandId: 1, IsActive: true },
    offer: { price: 34990, listPrice: 39990, sellingPrice: 29990, availability: 'available', stock: 12 },
    store: 'shop',
    skuId: '42',
    salesChannel: 1,
    categoryId: '3',
    category: { vtexId: '3', marketplaceId: 'MLB1055' },
    settings: { currencyId: 'BRL', brandIds: { aurora: '1001' }, attributes: { cor: '202', Gênero: '101' } },
    ...overrides,
  };
}

const row = (r: Partial<FieldMappingRow> & Pick<FieldMappingRow, 'target'>): FieldMappingRow => ({
  vtexField: r.target,
  howToFill: `Catalog > ${r.target}`,
  vtexApi: '/api/catalog_system/pvt/sku/stockkeepingunitbyid',
  mandatory: false,
  buyBox: false,
  ...r,
});

async function mapOne(rows: FieldMappingRow[], ctx = context()) {
  const { mapping, problems } = compileMapping(rows, { marketplace: 'test', displayName: 'Test' });
  expect(problems).toEqual([]);
  const [result] = await mapping.run([{ context: ctx }]);
  return result;
}

/** One row through one pipeline: what comes out for `source`. */
async function through(source: string | undefined, transform: TransformStep[], ctx = context()) {
  const result = await mapOne([row({ source, target: 'out', transform })], ctx);
  return { value: result.payload.out, errors: result.errors, defaults: result.defaults };
}

describe('source paths', () => {
  it.each([
    ['sku.Images[0].ImageUrl', 'https://img/1.jpg'],
    ['sku.Images[1].ImageUrl', 'https://img/2.jpg'],
    ['sku.Images[*].ImageUrl', ['https://img/1.jpg', 'https://img/2.jpg']],
    ['sku.SkuSpecifications[FieldName=Cor].FieldValues[0]', 'Azul'],
    ["sku.SkuSpecifications[FieldName='cor'].FieldValues[0]", 'Azul'],
    ['sku.AlternateIds.Ean', '7891234567895'],
    ['offer.sellingPrice', 29990],
    ['category.marketplaceId', 'MLB1055'],
    ['settings.currencyId', 'BRL'],
    ['sku.Images[9].ImageUrl', undefined],
    ['sku.Nothing.Deeper', undefined],
  ])('%s resolves', async (source, expected) => {
    expect((await through(source, [])).value).toEqual(expected);
  });

  it.each([
    ['vtex.Name', 'must start with one of'],
    ['sku..Name', 'does not start with a property name'],
    ['sku.Images[', 'without a closing'],
    ['sku.Images[x]', 'must be an index'],
  ])('refuses %s when the manifest is loaded', (source, message) => {
    const { problems } = compileMapping([row({ source, target: 'out' })], { marketplace: 'test' });
    expect(problems).toEqual([{ path: '/contributes/marketplace/fieldMappings/0/source', message: expect.stringContaining(message) }]);
  });
});

describe('core transformation ops', () => {
  it.each<[string, string | undefined, TransformStep[], unknown]>([
    ['truncate keeps surrogate pairs whole', 'sku.NameComplete', [{ op: 'truncate', max: 10 }], 'Tênis de C'],
    ['truncate with an ellipsis', 'sku.NameComplete', [{ op: 'truncate', max: 12, ellipsis: '…' }], 'Tênis de Co…'],
    ['truncate leaves short text alone', 'sku.SkuName', [{ op: 'truncate', max: 60 }], 'Azul 42'],
    ['emoji are one character each', undefined, [{ op: 'const', value: '😀😀😀😀' }, { op: 'truncate', max: 2 }], '😀😀'],
    ['centsToDecimal', 'offer.sellingPrice', [{ op: 'centsToDecimal' }], 299.9],
    ['decimalToCents', undefined, [{ op: 'const', value: 19.99 }, { op: 'decimalToCents' }], 1999],
    ['round', undefined, [{ op: 'const', value: 2.345 }, { op: 'round', decimals: 1 }], 2.3],
    ['convertUnit g → kg', 'sku.Dimension.weight', [{ op: 'convertUnit', from: 'g', to: 'kg' }], 1.25],
    ['convertUnit cm → m', 'sku.Dimension.length', [{ op: 'convertUnit', from: 'cm', to: 'm' }], 0.4],
    ['convertUnit cm → in', 'sku.Dimension.width', [{ op: 'convertUnit', from: 'cm', to: 'in' }], 11.811024],
    ['clamp', 'offer.stock', [{ op: 'clamp', max: 10 }], 10],
    ['mapValues, case-insensitive', 'sku.SkuSpecifications[FieldName=Cor].FieldValues[0]', [{ op: 'mapValues', values: { azul: 'Blue' } }], 'Blue'],
    ['mapValues fallback', 'sku.BrandName', [{ op: 'mapValues', values: { X: 'Y' }, fallback: 'Other' }], 'Other'],
    ['mapValues keeps unmapped values', 'sku.BrandName', [{ op: 'mapValues', values: { X: 'Y' } }], 'Aurora'],
    ['template', undefined, [{ op: 'template', template: '{sku.ProductName} - {sku.SkuName}' }], 'Tênis de Corrida Aurora Pro - Azul 42'],
    ['template with {value}', 'sku.BrandName', [{ op: 'template', template: 'Marca {value}' }], 'Marca Aurora'],
    ['template of empty placeholders is empty', undefined, [{ op: 'template', template: '{sku.Missing} {sku.Gone}' }], undefined],
    ['coalesce takes the first non-empty source', 'sku.Missing', [{ op: 'coalesce', sources: ['sku.Gone', 'sku.ProductName'] }], 'Tênis de Corrida Aurora Pro'],
    ['firstImage from the images', 'sku.Images', [{ op: 'firstImage' }], 'https://img/1.jpg'],
    ['firstImage without a source reads sku.Images', undefined, [{ op: 'firstImage' }], 'https://img/1.jpg'],
    ['pluck + slice + wrapEach', 'sku.Images', [{ op: 'pluck', field: 'ImageUrl' }, { op: 'slice', max: 1 }, { op: 'wrapEach', key: 'source' }], [{ source: 'https://img/1.jpg' }]],
    ['join', 'sku.Images[*].ImageUrl', [{ op: 'join', separator: ' | ' }], 'https://img/1.jpg | https://img/2.jpg'],
    ['split + unique + compact', undefined, [{ op: 'const', value: 'a, b,, a' }, { op: 'split', separator: ',' }, { op: 'unique' }, { op: 'compact' }], ['a', 'b']],
    ['spec', 'sku.SkuSpecifications', [{ op: 'spec', name: 'cor' }], 'Azul'],
    ['stripHtml', 'sku.ProductDescription', [{ op: 'stripHtml' }], 'Leve & rápido\nAmortecimento'],
    ['digits', undefined, [{ op: 'const', value: '789-123 456' }, { op: 'digits' }], '789123456'],
    ['upper / lower / trim', undefined, [{ op: 'const', value: '  Azul ' }, { op: 'trim' }, { op: 'upper' }], 'AZUL'],
    ['toString / toInteger', 'offer.stock', [{ op: 'toString' }], '12'],
    ['toNumber reads decimal commas', undefined, [{ op: 'const', value: '12,5' }, { op: 'toNumber' }, { op: 'toInteger' }], 12],
    ['first', 'sku.Images[*].ImageUrl', [{ op: 'first' }], 'https://img/1.jpg'],
    ['formatNumber with a decimal comma', 'offer.listPrice', [{ op: 'centsToDecimal' }, { op: 'formatNumber', decimals: 2, decimalSeparator: ',' }], '399,90'],
    ['formatNumber defaults to 2 decimals and a dot', undefined, [{ op: 'const', value: 7 }, { op: 'formatNumber' }], '7.00'],
    ['lookup in a settings table, case-insensitive', 'sku.BrandName', [{ op: 'lookup', table: 'settings.brandIds' }], '1001'],
    ['lookup fallback', 'sku.SkuName', [{ op: 'lookup', table: 'settings.brandIds', fallback: '9999' }], '9999'],
    ['lookup without the table keeps the value', 'sku.BrandName', [{ op: 'lookup', table: 'settings.missing' }], 'Aurora'],
    [
      'specList keeps the named specifications, as the marketplace names them',
      'sku.SkuSpecifications',
      [{ op: 'specList', names: 'settings.attributes', key: 'idUda', value: 'valor' }],
      [{ idUda: '202', valor: 'Azul' }],
    ],
  ])('%s', async (_name, source, steps, expected) => {
    const { value, errors } = await through(source, steps);
    expect(errors).toEqual([]);
    expect(value).toEqual(expected);
  });

  it('passes empty values through ops that do not make values, so default and mandatory still see them', async () => {
    const { value, defaults } = await through('sku.Missing', [{ op: 'trim' }, { op: 'truncate', max: 5 }, { op: 'default', value: 'Genérica' }]);
    expect(value).toBe('Genérica');
    expect(defaults).toEqual([{ vtexField: 'out', target: 'out', value: 'Genérica', where: 'Catalog > out' }]);
  });

  it('does not count a default as used when VTEX had the value (zero is a value)', async () => {
    const result = await through('offer.stock', [{ op: 'default', value: 1 }], context({ offer: { price: 1, listPrice: 1, sellingPrice: 1, availability: 'x', stock: 0 } }));
    expect(result).toEqual({ value: 0, errors: [], defaults: [] });
  });

  it('turns a value an op cannot use into a fix naming the VTEX field and where to correct it', async () => {
    const { errors, value } = await through('sku.BrandName', [{ op: 'toNumber' }]);
    expect(value).toBeUndefined();
    expect(errors).toEqual([
      { field: 'out', rule: 'transform.toNumber', message: 'out: toNumber expects a number, got "Aurora". Correct it in Catalog > out.', where: 'Catalog > out' },
    ]);
  });

  it('lookup with strict turns an unmapped value into a fix naming the table', async () => {
    const { errors, value } = await through('sku.BrandName', [{ op: 'lookup', table: 'settings.brandIds', strict: true }], context({ settings: { brandIds: { Nortec: '1002' } } }));
    expect(value).toBeUndefined();
    expect(errors).toEqual([
      {
        field: 'out',
        rule: 'transform.lookup',
        message: 'out: "Aurora" has no counterpart in settings.brandIds (known: Nortec). Correct it in Catalog > out.',
        where: 'Catalog > out',
      },
    ]);
    const notTable = await through('sku.BrandName', [{ op: 'lookup', table: 'settings.currencyId' }]);
    expect(notTable.errors[0]?.message).toContain('settings.currencyId is not an object');
  });

  it('checks every op argument when the manifest is loaded', () => {
    const { problems } = compileMapping(
      [
        row({ source: 'sku.NameComplete', target: 'a', transform: [{ op: 'truncate', max: 0 }] }),
        row({ source: 'sku.Dimension.weight', target: 'b', transform: [{ op: 'convertUnit', from: 'g', to: 'cm' }] }),
        row({ target: 'c', transform: [{ op: 'template', template: '{sku..x}' }] }),
        row({ source: 'sku.Id', target: 'd', transform: [{ op: 'mapValues', values: [] }] }),
        row({ target: 'e' }),
      ],
      { marketplace: 'test' },
    );
    expect(problems.map((p) => p.path)).toEqual([
      '/contributes/marketplace/fieldMappings/0/transform/0',
      '/contributes/marketplace/fieldMappings/1/transform/0',
      '/contributes/marketplace/fieldMappings/2/transform/0',
      '/contributes/marketplace/fieldMappings/3/transform/0',
      '/contributes/marketplace/fieldMappings/4/source',
    ]);
    expect(problems[0].message).toBe('truncate: "max" must be an integer ≥ 1');
    expect(problems[1].message).toBe('convertUnit: cannot convert mass (g) to length (cm)');
  });

  it('describes every core op for the mapping table', () => {
    const args: Record<string, Record<string, unknown>> = {
      default: { value: 'x' },
      const: { value: 'x' },
      coalesce: { sources: ['sku.Id'] },
      template: { template: '{value}' },
      truncate: { max: 3 },
      mapValues: { values: { a: 'b' } },
      round: { decimals: 1 },
      convertUnit: { from: 'g', to: 'kg' },
      clamp: { min: 0 },
      pluck: { field: 'F' },
      slice: { max: 3 },
      wrapEach: { key: 'k' },
      join: { separator: ',' },
      split: { separator: ',' },
      spec: { name: 'Cor' },
      lookup: { table: 'settings.brandIds' },
      specList: { names: 'settings.attributes', key: 'id', value: 'value' },
    };
    for (const [op, t] of Object.entries(CORE_TRANSFORMS)) {
      const step = { op, ...args[op] };
      expect(t.check(step), op).toEqual([]);
      expect(t.describe(step).length, op).toBeGreaterThan(3);
    }
    expect(describeTransform([{ op: 'truncate', max: 50 }, { op: 'acme.gtin' }])).toBe('only the first 50 characters are sent; acme.gtin (by the plugin)');
  });
});

describe('the mapping engine', () => {
  it('reports every empty mandatory field at once, with the VTEX field and where to fill it', async () => {
    const result = await mapOne(
      [
        row({ vtexField: 'Name', howToFill: 'Catalog > SKU > Name', source: 'sku.NameComplete', target: 'title', mandatory: true }),
        row({ vtexField: 'Images', howToFill: 'Catalog > SKU > Images', source: 'sku.Images', target: 'pictures', mandatory: true }),
        row({ vtexField: 'EAN', source: 'sku.AlternateIds.Ean', target: 'attributes.GTIN', mandatory: false }),
      ],
      context({ sku: sku({ NameComplete: '  ', Images: [], AlternateIds: {} }) }),
    );
    expect(result.payload).toEqual({});
    expect(result.errors).toEqual([
      { field: 'title', rule: 'mandatory', message: 'Name is empty in VTEX and Test requires it (title): fill it in Catalog > SKU > Name.', where: 'Catalog > SKU > Name' },
      { field: 'pictures', rule: 'mandatory', message: 'Images is empty in VTEX and Test requires it (pictures): fill it in Catalog > SKU > Images.', where: 'Catalog > SKU > Images' },
    ]);
  });

  it('writes dot-path targets into nested objects', async () => {
    const result = await mapOne([
      row({ source: 'sku.BrandName', target: 'attributes.BRAND' }),
      row({ source: 'sku.Id', target: 'attributes.SELLER_SKU', transform: [{ op: 'toString' }] }),
      row({ source: 'sku.NameComplete', target: 'title' }),
    ]);
    expect(result.payload).toEqual({ attributes: { BRAND: 'Aurora', SELLER_SKU: '42' }, title: 'Tênis de Corrida Aurora Pro Azul 42' });
  });

  it('skips rows reading an area already reported (no offer, no category), and says which', async () => {
    const { mapping } = compileMapping(
      [
        row({ source: 'offer.sellingPrice', target: 'price', mandatory: true }),
        row({ source: 'category.marketplaceId', target: 'category_id', mandatory: true }),
        row({ source: 'categoryId', target: 'vtex_category', mandatory: true }),
      ],
      { marketplace: 'test' },
    );
    const [result] = await mapping.run([{ context: context({ offer: null }), skipSources: ['offer', 'category'] }]);
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual(['price', 'category_id']);
    expect(result.payload).toEqual({ vtex_category: '3' });
  });

  it('refuses two rows writing overlapping payload paths', () => {
    const { problems } = compileMapping([row({ source: 'sku.Id', target: 'attributes' }), row({ source: 'sku.Id', target: 'attributes.BRAND' })], { marketplace: 'test' });
    expect(problems).toEqual([{ path: '/contributes/marketplace/fieldMappings/1/target', message: expect.stringContaining('overlaps "attributes"') }]);
  });

  it('sends plugin ops in one batched transform call per round, never per SKU or field', async () => {
    const { mapping, problems } = compileMapping(
      [
        row({ source: 'sku.NameComplete', target: 'title', transform: [{ op: 'acme.clean', mode: 'strict' }, { op: 'truncate', max: 8 }, { op: 'acme.suffix' }] }),
        row({ source: 'sku.BrandName', target: 'brand', transform: [{ op: 'acme.clean' }] }),
        row({ source: 'sku.Id', target: 'id', transform: [{ op: 'toString' }] }),
      ],
      { marketplace: 'test' },
    );
    expect(problems).toEqual([]);
    expect(mapping.pluginOps).toEqual(['acme.clean', 'acme.suffix']);
    const calls: TransformRequest[][] = [];
    const transform = async (requests: TransformRequest[]) => {
      calls.push(structuredClone(requests));
      return requests.map((r) =>
        r.skuId === '3' && r.target === 'brand' ? { error: 'brand is on the blocklist' } : { value: r.op === 'acme.clean' ? String(r.value).toUpperCase() : `${r.value}!` },
      );
    };
    const items = Array.from({ length: 50 }, (_, i) => ({ context: context({ skuId: String(i) }) }));
    const results = await mapping.run(items, transform);
    // Round 1: every acme.clean (2 rows × 50 SKUs); round 2: every acme.suffix (50).
    expect(calls.map((c) => c.length)).toEqual([100, 50]);
    expect(calls[0][0]).toEqual({ op: 'acme.clean', args: { mode: 'strict' }, value: 'Tênis de Corrida Aurora Pro Azul 42', skuId: '0', target: 'title' });
    expect(results[0].payload).toEqual({ title: 'TÊNIS DE!', brand: 'AURORA', id: '42' });
    expect(results[3].errors).toEqual([{ field: 'brand', rule: 'transform.acme.clean', message: 'brand: brand is on the blocklist. Correct it in Catalog > brand.', where: 'Catalog > brand' }]);
    expect(results[3].payload.title).toBe('TÊNIS DE!');
  });

  it('is E5 (mapper unavailable) when the plugin op has no handler, fails, or answers badly', async () => {
    const { mapping } = compileMapping([row({ source: 'sku.Id', target: 'id', transform: [{ op: 'acme.x' }] })], { marketplace: 'test' });
    const items = [{ context: context() }];
    for (const transform of [undefined, async () => Promise.reject(new Error('worker crashed')), async () => [] as never]) {
      const error = await mapping.run(items, transform).catch((e: unknown) => e);
      expect(isConnectorError(error) && error.code).toBe('CONNECTOR_ERR_MAPPER_UNAVAILABLE');
    }
  });
});

describe("the Mercado Livre plugin's mapping table", () => {
  const { spec, problems } = compileSpec('mercadolivre', ML_MANIFEST);

  it('compiles without a problem, and its settings view never shows a secret', () => {
    expect(problems).toEqual([]);
    expect(spec.capabilities).toEqual({ mode: 'item', canDeactivate: true, needsProductBeforeOffer: false });
    const settings = spec.publicSettings({ accessToken: 'APP_USR-secret', apiBaseUrl: 'http://x' });
    expect(settings).toEqual({ apiBaseUrl: 'http://x', siteId: 'MLB', currencyId: 'BRL', listingTypeId: 'gold_special', buyingMode: 'buy_it_now', condition: 'new' });
  });

  it('maps a VTEX SKU to a complete Mercado Livre item', async () => {
    const [result] = await spec.mapping.run([{ context: context({ settings: spec.publicSettings({ accessToken: 'secret' }) }) }]);
    expect(result.errors).toEqual([]);
    expect(result.defaults).toEqual([]);
    expect(result.payload).toEqual({
      title: 'Tênis de Corrida Aurora Pro Azul 42',
      category_id: 'MLB1055',
      price: 299.9,
      available_quantity: 12,
      pictures: [{ source: 'https://img/1.jpg' }, { source: 'https://img/2.jpg' }],
      attributes: { SELLER_SKU: '42', BRAND: 'Aurora', GTIN: '7891234567895' },
      seller_custom_field: '42',
      currency_id: 'BRL',
      listing_type_id: 'gold_special',
      buying_mode: 'buy_it_now',
      condition: 'new',
    });
    expect(JSON.stringify(result.payload)).not.toContain('secret');
  });

  it('renders the table in VTEX’s template format', () => {
    const table = renderMappingTable(ML_MANIFEST.contributes.marketplace.fieldMappings!, 'Mercado Livre');
    expect(table.split('\n')[0]).toBe('| VTEX field | How to fill it in VTEX | VTEX API | Mercado Livre field | Transformation | Mandatory | BuyBox |');
    expect(table).toContain('| Name (`sku.NameComplete`) | Catalog > Products and SKUs > product name and SKU name | `/api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}` | `title` | else sku.ProductName; spaces trimmed; only the first 60 characters are sent | Yes | Yes |');
    expect(table).toContain('`attributes.BRAND` | spaces trimmed; "Genérica" when empty in VTEX | Yes | No |');
  });
});
