import { describe, expect, it } from 'vitest';
import { ConnectorError, parseNotification } from '@connector/core';

const problems = (body: unknown) => {
  try {
    parseNotification(body);
  } catch (error) {
    return (error as ConnectorError).details as Array<{ path: string; message: string }>;
  }
  throw new Error('expected a refusal');
};

describe('parseNotification', () => {
  it('reads VTEX PascalCase', () => {
    expect(
      parseNotification({
        IdSku: '123', ProductId: 9, An: 'store', IdAffiliate: 'ABC', DateModified: '2018-08-20T15:11:28.1978783Z', IsActive: true,
        StockModified: false, PriceModified: true, HasStockKeepingUnitModified: false, HasStockKeepingUnitRemovedFromAffiliate: false, Version: 'x',
      }),
    ).toEqual({
      skuId: '123', productId: 9, account: 'store', affiliateId: 'ABC', dateModified: '2018-08-20T15:11:28.1978783Z', isActive: true,
      stockModified: false, priceModified: true, skuModified: false, removedFromAffiliate: false,
    });
  });

  it('reads the camelCase of the guides, numeric ids and nulls', () => {
    expect(parseNotification({ idSKU: 77, an: 'store', productId: '5', isActive: null })).toEqual({ skuId: '77', account: 'store', productId: 5 });
  });

  it('reports every problem at once, with the field name as sent', () => {
    expect(problems({ idsku: 'x1', AN: '', isActive: 'true', stockmodified: 1 })).toEqual([
      { path: 'idsku', message: expect.stringContaining('numeric') },
      { path: 'AN', message: expect.stringContaining('non-empty') },
      { path: 'isActive', message: 'must be true or false' },
      { path: 'stockmodified', message: 'must be true or false' },
    ]);
  });

  it('requires IdSku and An', () => {
    expect(problems({}).map((p) => p.path)).toEqual(['IdSku', 'An']);
  });

  it('refuses a field given twice under two spellings', () => {
    expect(problems({ IdSku: '1', idSku: '2', An: 's' })).toEqual([{ path: 'idSku', message: expect.stringContaining('twice') }]);
  });

  it('refuses non-objects', () => {
    expect(problems([1])[0].path).toBe('(body)');
    expect(problems('IdSku=1')[0].path).toBe('(body)');
  });
});
