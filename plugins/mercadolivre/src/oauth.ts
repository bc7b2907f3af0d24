/**
 * Mercado Livre's OAuth: access tokens live 6 h; the refresh token is single use and rotates on every
 * refresh (`POST /oauth/token`, grant_type=refresh_token, on the API host). The rotation, its storage
 * in ctx.state before use and the single flight are the plugin API's `RotatingOAuthTokens`.
 */
import { RotatingOAuthTokens, type PluginContext } from '@connector/core/plugin';

export { OAUTH_STATE_KEY, REFRESH_MARGIN_MS, type StoredTokens } from '@connector/core/plugin';

export class TokenSource extends RotatingOAuthTokens {
  constructor(ctx: Pick<PluginContext, 'marketplace' | 'settings' | 'secrets' | 'state' | 'http' | 'log'>, now: () => number = Date.now) {
    super(ctx, { tokenUrl: 'oauth/token', displayName: 'Mercado Livre', defaultExpiresInSeconds: 21_600 }, now);
  }
}
