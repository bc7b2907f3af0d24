import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Errors } from '../errors/errors.js';

/** A secret at rest: AES-256-GCM, a fresh 96-bit IV per value, the key's id to tell keys apart. */
export interface SecretEnvelope {
  v: 1;
  alg: 'A256GCM';
  /** First 16 hex digits of SHA-256(key): says which key sealed it without revealing the key. */
  kid: string;
  iv: string;
  tag: string;
  ct: string;
}

/**
 * Seals and opens secret settings stored through the admin API. node:crypto's AES-256-GCM is the
 * whole implementation (no library needed); the associated data binds each value to its integration
 * and setting, so a ciphertext copied to another row or field fails to open.
 * Without a key nothing can be sealed (CONNECTOR_ERR_SECRETS_KEY_MISSING): never plaintext.
 */
export class SecretBox {
  private readonly key?: Buffer;
  readonly kid?: string;

  /** `raw`: the key variable's value (32 bytes as base64 or hex), undefined/empty when unset. */
  constructor(
    raw: string | undefined,
    readonly env: string,
  ) {
    if (!raw) return;
    this.key = parseKey(raw, env);
    this.kid = createHash('sha256').update(this.key).digest('hex').slice(0, 16);
  }

  get available(): boolean {
    return this.key !== undefined;
  }

  seal(value: string, aad: string, fields: string[] = [aad]): SecretEnvelope {
    if (!this.key) throw Errors.secretsKeyMissing(this.env, fields);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return { v: 1, alg: 'A256GCM', kid: this.kid!, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') };
  }

  /** Opens an envelope; throws a plain Error saying why (no key, another key, tampered). */
  open(envelope: SecretEnvelope, aad: string): string {
    if (!this.key) throw new Error(`no key: ${this.env} is not set`);
    if (envelope?.v !== 1 || envelope.alg !== 'A256GCM') throw new Error('unknown envelope format');
    if (envelope.kid !== this.kid) throw new Error(`sealed with key ${envelope.kid}, this process has key ${this.kid}`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(envelope.iv, 'base64'));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(envelope.ct, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('authentication failed (tampered, or moved from another setting)');
    }
  }
}

function parseKey(raw: string, env: string): Buffer {
  const text = raw.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) key = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(text)) key = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  if (!key || key.length !== 32) throw Errors.secretsKeyInvalid(env, `it decodes to ${key?.length ?? 'no'} bytes, not 32`);
  return key;
}
