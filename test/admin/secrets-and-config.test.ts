import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AdminTokens, parseConfig, SecretBox } from '@connector/core';

const store = { account: 'shop', webhookToken: 'webhook-token', vtex: { appKey: 'k', appToken: 't', affiliateId: 'ABC', salesChannel: 1 }, integrations: [] };

describe('secrets at rest (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const box = new SecretBox(key.toString('base64'), 'CONNECTOR_SECRETS_KEY');

  it('seals with a fresh IV each time and opens only with the same key and the same setting', () => {
    const a = box.seal('s3cret-value', 'shop/mercadolivre/accessToken');
    const b = box.seal('s3cret-value', 'shop/mercadolivre/accessToken');
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
    expect(JSON.stringify(a)).not.toContain('s3cret-value');
    expect(box.open(a, 'shop/mercadolivre/accessToken')).toBe('s3cret-value');
    // The same key given as hex opens it too.
    expect(new SecretBox(key.toString('hex'), 'K').open(a, 'shop/mercadolivre/accessToken')).toBe('s3cret-value');
    // Moved to another setting or integration: refused.
    expect(() => box.open(a, 'shop/mercadolivre/clientSecret')).toThrow(/authentication failed/);
    // Tampered: refused.
    const ct = Buffer.from(a.ct, 'base64');
    ct[0] ^= 1;
    expect(() => box.open({ ...a, ct: ct.toString('base64') }, 'shop/mercadolivre/accessToken')).toThrow(/authentication failed/);
    // Another key: refused, saying which key sealed it.
    expect(() => new SecretBox(randomBytes(32).toString('base64'), 'K').open(a, 'shop/mercadolivre/accessToken')).toThrow(new RegExp(`sealed with key ${a.kid}`));
  });

  it('refuses to seal without a key (never plaintext) and refuses a key that is not 32 bytes', () => {
    const none = new SecretBox(undefined, 'CONNECTOR_SECRETS_KEY');
    expect(none.available).toBe(false);
    expect(() => none.seal('x', 'a/b/c', ['settings/accessToken'])).toThrow(expect.objectContaining({ code: 'CONNECTOR_ERR_SECRETS_KEY_MISSING', statusCode: 409 }));
    expect(() => new SecretBox('c2hvcnQ=', 'CONNECTOR_SECRETS_KEY')).toThrow(expect.objectContaining({ code: 'CONNECTOR_ERR_SECRETS_KEY_INVALID' }));
    expect(() => new SecretBox('z'.repeat(64), 'CONNECTOR_SECRETS_KEY')).toThrow(expect.objectContaining({ code: 'CONNECTOR_ERR_SECRETS_KEY_INVALID' }));
  });
});

describe('admin tokens', () => {
  it('accepts each configured token by name, and nothing else', () => {
    const tokens = new AdminTokens([
      { name: 'ops', token: 'a'.repeat(20) },
      { name: 'ci', token: 'b'.repeat(24) },
    ]);
    expect(tokens.verifyHeader(`Bearer ${'a'.repeat(20)}`)).toBe('ops');
    expect(tokens.verifyHeader(`bearer ${'b'.repeat(24)}`)).toBe('ci');
    for (const bad of [undefined, '', 'Bearer', `Bearer ${'a'.repeat(19)}`, `Bearer ${'a'.repeat(21)}`, `Basic ${'a'.repeat(20)}`, `Bearer ${'a'.repeat(20)} extra`]) expect(tokens.verifyHeader(bad), String(bad)).toBeUndefined();
    expect(new AdminTokens([]).verifyHeader('Bearer ')).toBeUndefined();
  });

  it('config: admin.tokens take {"env": NAME}; short tokens, duplicate names and unset variables are config errors listed together', () => {
    const ok = parseConfig({ stores: [store], admin: { tokens: [{ name: 'ops', token: { env: 'ADMIN_T' } }] } }, { env: { ADMIN_T: 'x'.repeat(32) } });
    expect(ok.admin).toMatchObject({ tokens: [{ name: 'ops', token: 'x'.repeat(32) }], secretsKeyEnv: 'CONNECTOR_SECRETS_KEY', failedAuthPerMinute: 10 });
    expect(() =>
      parseConfig({ stores: [store], admin: { tokens: [{ name: 'a', token: 'short' }, { name: 'a', token: 'y'.repeat(20) }, { name: 'b', token: { env: 'MISSING_T' } }] } }, { env: {} }),
    ).toThrow(expect.objectContaining({ code: 'CONNECTOR_ERR_CONFIG_INVALID', details: expect.arrayContaining([
      expect.objectContaining({ path: '/admin/tokens/0/token' }),
      expect.objectContaining({ path: '/admin/tokens/1/name' }),
      expect.objectContaining({ path: '/admin/tokens/2/token' }),
    ]) }));
  });
});
