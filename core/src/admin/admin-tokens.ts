import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The admin API's bearer tokens (config `admin.tokens`). Every check hashes the presented token and
 * compares it with every configured digest in constant time (no early exit), so neither a token, its
 * length, nor which one matched leaks through timing.
 */
export class AdminTokens {
  private readonly digests: Array<{ name: string; digest: Buffer }>;

  constructor(tokens: Array<{ name: string; token: string }>) {
    this.digests = tokens.map((t) => ({ name: t.name, digest: sha256(t.token) }));
  }

  get configured(): boolean {
    return this.digests.length > 0;
  }

  /** The name of the token `presented` equals, or undefined. */
  verify(presented: string | undefined): string | undefined {
    const given = sha256(presented ?? '');
    let match: string | undefined;
    for (const { name, digest } of this.digests) {
      if (timingSafeEqual(digest, given) && presented) match ??= name;
    }
    return match;
  }

  /** Reads `Authorization: Bearer <token>`; returns the token's name, or undefined. */
  verifyHeader(header: string | string[] | undefined): string | undefined {
    const value = Array.isArray(header) ? header[0] : header;
    const m = value ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value) : null;
    return this.verify(m?.[1]);
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
