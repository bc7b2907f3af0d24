/**
 * OAuth 2.0 refresh for marketplaces whose refresh tokens are single use and rotate on every refresh
 * (Mercado Livre, Magalu): `POST {tokenUrl}` with grant_type=refresh_token. The rotated pair is
 * written to ctx.state (one row, one atomic write) before the new access token is used or the
 * refresh reported done, so a restart always finds the one refresh token the marketplace still
 * accepts. Settings it reads: `clientId` (plain), and the secrets `clientSecret`, `refreshToken`
 * (used only while the state is empty) and `accessToken` (optional, used until the first refresh).
 */
import { ConnectorError, Errors } from '../errors/errors.js';
import type { PluginContext } from './index.js';

/** What ctx.state keeps under {@link OAUTH_STATE_KEY}. `expiresAt` is ms since the epoch. */
export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

export const OAUTH_STATE_KEY = 'oauth';
/** Refresh before a call when the access token has less than this left. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

interface TokenAnswer {
  access_token: string;
  expires_in: number;
  refresh_token: string;
}

type OAuthContext = Pick<PluginContext, 'marketplace' | 'settings' | 'secrets' | 'state' | 'http' | 'log'>;

export interface OAuthOptions {
  /** The token endpoint: absolute, or relative to the integration's `apiBaseUrl`. Its host must be allowed. */
  tokenUrl: string;
  /** The marketplace's name in log lines, e.g. "Mercado Livre". */
  displayName?: string;
  /** Access-token lifetime assumed when the answer has no `expires_in`. */
  defaultExpiresInSeconds?: number;
}

function oauthErrorCode(error: unknown): string | undefined {
  const details = error instanceof ConnectorError ? (error.details as { body?: { error?: unknown } } | undefined) : undefined;
  return typeof details?.body?.error === 'string' ? details.body.error : undefined;
}

export class RotatingOAuthTokens {
  /** A rotated pair whose write to ctx.state failed: saved again before anything else (its old refresh token is dead). */
  #unsaved: StoredTokens | undefined;
  /** Single flight: concurrent callers share one refresh (two would spend the same single-use token). */
  #refreshing: Promise<string> | undefined;

  constructor(
    private readonly ctx: OAuthContext,
    private readonly options: OAuthOptions,
    private readonly now: () => number = Date.now,
  ) {}

  get #name(): string {
    return this.options.displayName ?? this.ctx.marketplace;
  }

  /** The Bearer token for the next call: the stored one while valid (refreshed ahead when it is about to expire), else the settings'. */
  async accessToken(): Promise<string> {
    const stored = await this.#load();
    const left = stored ? stored.expiresAt - this.now() : -Infinity;
    if (left > REFRESH_MARGIN_MS) return stored!.accessToken;
    const configured = await this.ctx.secrets.get('accessToken');
    if (await this.canRefresh()) {
      // Proactive refresh: due when the stored token is about to expire, or when there is no token at all.
      if (stored || !configured) {
        try {
          return await this.refresh();
        } catch (error) {
          if (stored && left > 0) {
            this.ctx.log.warn(`${this.#name} token refresh ahead of expiry failed; using the current token meanwhile`, { reason: (error as Error).message });
            return stored.accessToken;
          }
          throw error;
        }
      }
    }
    if (stored && left > 0) return stored.accessToken;
    if (configured) return configured;
    throw Errors.marketplaceAuth(this.ctx.marketplace, 'no access token: set accessToken, or clientId + clientSecret + refreshToken, in the integration settings');
  }

  /** Whether the settings allow a refresh (client id and secret, and a refresh token stored or configured). */
  async canRefresh(): Promise<boolean> {
    const stored = await this.#load();
    return Boolean(this.#clientId() && (await this.ctx.secrets.get('clientSecret')) && (stored?.refreshToken || (await this.ctx.secrets.get('refreshToken'))));
  }

  /** Spends the current refresh token for a new pair, persisted before it is returned; one at a time. */
  refresh(): Promise<string> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<string> {
    if (this.#unsaved) return this.#save(this.#unsaved);
    const clientId = this.#clientId();
    const clientSecret = await this.ctx.secrets.get('clientSecret');
    const before = await this.#load();
    const refreshToken = before?.refreshToken ?? (await this.ctx.secrets.get('refreshToken'));
    if (!clientId || !clientSecret || !refreshToken) {
      throw Errors.marketplaceAuth(this.ctx.marketplace, 'the access token was refused and no refresh is possible: set clientId, clientSecret and refreshToken in the integration settings');
    }
    let answer: TokenAnswer;
    try {
      answer = await this.#grant(clientId, clientSecret, refreshToken);
    } catch (error) {
      const code = oauthErrorCode(error);
      if (code === 'invalid_grant') {
        // Someone else (another process) may have rotated it meanwhile: then theirs is the live pair.
        const latest = await this.#load();
        if (latest && latest.refreshToken !== refreshToken) return latest.accessToken;
        // The seller may have authorised the app again and put a new refresh token in the settings.
        const configured = await this.ctx.secrets.get('refreshToken');
        if (configured && configured !== refreshToken) {
          try {
            answer = await this.#grant(clientId, clientSecret, configured);
          } catch (retryError) {
            throw this.#authError(oauthErrorCode(retryError)) ?? retryError;
          }
          return this.#persist(answer);
        }
      }
      throw this.#authError(code) ?? error;
    }
    return this.#persist(answer);
  }

  #grant(clientId: string, clientSecret: string, refreshToken: string): Promise<TokenAnswer> {
    const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, client_secret: clientSecret, refresh_token: refreshToken });
    return this.ctx.http
      .request<TokenAnswer>({ method: 'POST', url: this.options.tokenUrl, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() })
      .then((r) => r.body);
  }

  /** The marketplace's OAuth refusals (RFC 6749 `error`) as the auth error the core pauses the integration on, with the fix. */
  #authError(code: string | undefined): ConnectorError | undefined {
    if (code === 'invalid_grant') {
      return Errors.marketplaceAuth(
        this.ctx.marketplace,
        'the refresh token was refused (invalid_grant: expired, revoked or already used). Authorise the app again and put the new refreshToken in the integration settings',
      );
    }
    if (code === 'invalid_client') {
      return Errors.marketplaceAuth(this.ctx.marketplace, 'clientId or clientSecret was refused (invalid_client): check them in the integration settings');
    }
    return undefined;
  }

  async #persist(answer: TokenAnswer): Promise<string> {
    if (typeof answer?.access_token !== 'string' || typeof answer.refresh_token !== 'string') {
      throw Errors.marketplaceUnavailable(this.ctx.marketplace, 'the token refresh answered without access_token or refresh_token');
    }
    const expiresIn = Number.isFinite(answer.expires_in) ? answer.expires_in : (this.options.defaultExpiresInSeconds ?? 3600);
    return this.#save({ accessToken: answer.access_token, refreshToken: answer.refresh_token, expiresAt: this.now() + expiresIn * 1000 });
  }

  async #save(tokens: StoredTokens): Promise<string> {
    this.#unsaved = tokens;
    await this.ctx.state.set(OAUTH_STATE_KEY, tokens);
    this.#unsaved = undefined;
    this.ctx.log.info(`${this.#name} tokens refreshed and stored`, { expiresAt: new Date(tokens.expiresAt).toISOString() });
    return tokens.accessToken;
  }

  /**
   * Read on every call, not cached: another process on the same database (or a restarted host) may
   * have rotated the pair, and one indexed row read is small next to the marketplace call it precedes.
   */
  #load(): Promise<StoredTokens | undefined> {
    return this.ctx.state.get<StoredTokens>(OAUTH_STATE_KEY);
  }

  #clientId(): string | undefined {
    const id = this.ctx.settings.clientId;
    return typeof id === 'string' && id ? id : undefined;
  }
}
