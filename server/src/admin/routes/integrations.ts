import type { FastifyPluginAsync } from 'fastify';
import { Errors, type ConnectorRuntime, type IntegrationPatch } from '@connector/core';
import { actorOf, type AdminRouteOptions } from '../plugin.js';
import { anyValue, arr, bool, dateTime, freeObject, int, integrationParams, noQuery, nullable, num, obj, route, storeParams, str } from '../schemas.js';

const source = str({ enum: ['config', 'api'] });

const integrationSummary = obj({ marketplace: str(), enabled: bool(), minimumStock: int() });
const storeBody = obj({
  account: str(),
  affiliateId: str(),
  salesChannel: int(),
  vtexBaseUrl: str(),
  integrations: arr(integrationSummary),
});

export const integrationBody = obj({
  store: str(),
  marketplace: str(),
  enabled: bool(),
  minimumStock: int(),
  settings: freeObject('Non-secret settings, effective values.'),
  secrets: { type: 'object', additionalProperties: obj({ set: bool(), source: nullable(source) }), description: 'Secret settings: only whether each is set and where from; never the value.' },
  sources: obj({ enabled: source, minimumStock: source, settings: { type: 'object', additionalProperties: source } }),
  settingsSchema: nullable(freeObject("The plugin's settings schema; secret properties carry x-secret: true.")),
  revision: int(),
  updatedBy: nullable(str({ description: 'Name of the admin token of the last change.' })),
  updatedAt: nullable(dateTime()),
  problem: nullable(obj({ code: str(), message: str() })),
  plugin: obj({ name: str(), version: str(), state: str() }),
  pause: nullable(obj({ code: nullable(str()), reason: str(), since: nullable(dateTime()) })),
  breaker: nullable(
    obj({ state: str({ enum: ['closed', 'open', 'half-open'] }), consecutiveFailures: int(), openUntil: nullable(dateTime()), lastError: nullable(str()), lastFailureAt: nullable(dateTime()), lastSuccessAt: nullable(dateTime()) }),
  ),
  budgets: arr(obj({ operation: str(), rate: num(), capacity: num(), available: num(), factor: num(), granted: int(), rateLimited: int(), blockedUntil: nullable(dateTime()) })),
  limits: anyValue('The limits the core enforces: the plugin manifest with the config overrides.'),
});

/** The integration as the admin API shows it: saved settings (secrets masked), plugin, pause, breaker, budgets. */
export async function describeIntegration(runtime: ConnectorRuntime, store: string, marketplace: string) {
  const view = runtime.integrationSettings.view(store, marketplace);
  const [breakers, pauses, budgets] = await Promise.all([runtime.breakers.status(store, marketplace), runtime.contingency.status(store, marketplace), runtime.budgets.status(store, marketplace)]);
  const status = runtime.plugins.status().find((p) => p.marketplace === marketplace);
  const [name, version] = status ? [status.plugin.slice(0, status.plugin.lastIndexOf('@')), status.plugin.slice(status.plugin.lastIndexOf('@') + 1)] : [marketplace, ''];
  const pluginPause = runtime.plugins.pauseReason(store, marketplace) ?? runtime.integrationSettings.pauseReason(store, marketplace);
  const authPause = pauses.find((p) => p.paused);
  const b = breakers[0];
  let limits: unknown = null;
  try {
    limits = runtime.effectiveLimits(store, marketplace).limits;
  } catch {
    limits = null;
  }
  return {
    ...view,
    plugin: { name, version, state: status?.state ?? 'unknown' },
    pause: pluginPause ? { code: pluginPause.code, reason: pluginPause.reason, since: null } : authPause ? { code: Errors.marketplaceAuth.code, reason: authPause.reason ?? 'credentials refused', since: authPause.pausedAt } : null,
    breaker: b ? { state: b.state, consecutiveFailures: b.consecutiveFailures, openUntil: b.openUntil, lastError: b.lastError, lastFailureAt: b.lastFailureAt, lastSuccessAt: b.lastSuccessAt } : null,
    budgets: budgets.map((x) => ({ operation: x.operation, rate: x.rate, capacity: x.capacity, available: x.available, factor: x.factor, granted: x.granted, rateLimited: x.rateLimited, blockedUntil: x.blockedUntil })),
    limits,
  };
}

export const integrationRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { runtime }) => {
  const storeOf = (account: string) => {
    const store = runtime.stores.get(account);
    if (!store) throw Errors.adminNotFound(`Store "${account}"`);
    return store;
  };
  const describeStore = (account: string) => {
    const s = storeOf(account);
    return {
      account: s.account,
      affiliateId: s.vtex.affiliateId,
      salesChannel: s.vtex.salesChannel,
      vtexBaseUrl: s.vtex.baseUrl,
      integrations: s.integrations.map((i) => ({ marketplace: i.marketplace, enabled: i.enabled, minimumStock: i.minimumStock })),
    };
  };

  app.get('/stores', { schema: route({ summary: 'Stores (VTEX accounts) and their integrations', querystring: noQuery, response: { 200: obj({ stores: arr(storeBody) }) } }, ['stores']) }, async () => ({
    stores: runtime.stores.list().map((s) => describeStore(s.account)),
  }));

  app.get<{ Params: { store: string } }>(
    '/stores/:store',
    { schema: route({ summary: 'One store', params: storeParams, querystring: noQuery, response: { 200: storeBody } }, ['stores']) },
    async (request) => describeStore(request.params.store),
  );

  app.get(
    '/integrations',
    { schema: route({ summary: 'Every integration: settings (secrets masked), minimum stock, plugin, pause reason, breaker, rate budgets', querystring: noQuery, response: { 200: obj({ integrations: arr(integrationBody) }) } }, ['integrations']) },
    async () => ({
      integrations: await Promise.all(runtime.stores.list().flatMap((s) => s.integrations.map((i) => describeIntegration(runtime, s.account, i.marketplace)))),
    }),
  );

  app.get<{ Params: { store: string; marketplace: string } }>(
    '/stores/:store/integrations/:marketplace',
    { schema: route({ summary: 'One integration', params: integrationParams, querystring: noQuery, response: { 200: integrationBody } }, ['integrations']) },
    async (request) => {
      const { store, marketplace } = request.params;
      runtime.adminQueries.assertIntegration(store, marketplace);
      return describeIntegration(runtime, store, marketplace);
    },
  );

  app.patch<{ Params: { store: string; marketplace: string }; Body: IntegrationPatch }>(
    '/stores/:store/integrations/:marketplace',
    {
      schema: route(
        {
          summary: 'Change an integration: enable/disable, minimum stock, settings (saved in the database; null resets a field or setting to the config value). Secret settings are write-only: sent here, encrypted at rest, never returned.',
          params: integrationParams,
          querystring: noQuery,
          body: obj(
            {
              enabled: { type: ['boolean', 'null'] },
              minimumStock: { type: ['integer', 'null'], minimum: 0, maximum: 1_000_000, description: 'At or below this stock the marketplace is sent 0 and the inventory page warns.' },
              settings: { type: 'object', description: "Setting name → value (validated by the plugin's settings schema), or null to reset it.", additionalProperties: true },
            },
            [],
            { minProperties: 1 },
          ),
          response: { 200: integrationBody },
        },
        ['integrations'],
      ),
    },
    async (request) => {
      const { store, marketplace } = request.params;
      runtime.adminQueries.assertIntegration(store, marketplace);
      await runtime.integrationSettings.update(store, marketplace, request.body, actorOf(request));
      return describeIntegration(runtime, store, marketplace);
    },
  );

  app.delete<{ Params: { store: string; marketplace: string } }>(
    '/stores/:store/integrations/:marketplace/overrides',
    { schema: route({ summary: 'Drop everything saved through the API for the integration: the config file applies again', params: integrationParams, querystring: noQuery, response: { 200: integrationBody } }, ['integrations']) },
    async (request) => {
      const { store, marketplace } = request.params;
      runtime.adminQueries.assertIntegration(store, marketplace);
      await runtime.integrationSettings.reset(store, marketplace, actorOf(request));
      return describeIntegration(runtime, store, marketplace);
    },
  );

};
