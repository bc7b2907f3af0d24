import type { HandlerMethod } from '../../plugin-api/index.js';

type Check = (result: unknown, args: unknown[]) => string | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const nonEmptyString = (v: unknown) => typeof v === 'string' && v.length > 0;

const object: Check = (r) => (isObject(r) ? undefined : 'must be an object');

/**
 * The shape of each handler's result, checked by the core when it comes back across the boundary
 * (after the plain-data check), so a plugin bug surfaces as a clear error at the call, not as an
 * `undefined` deep in the pipeline. Handlers not listed only need to return plain data.
 */
export const RESULT_CHECKS: Partial<Record<HandlerMethod, Check>> = {
  transform: (r, args) => {
    if (!Array.isArray(r)) return 'must be an array (one result per request)';
    const requests = Array.isArray(args[0]) ? args[0].length : undefined;
    return requests === undefined || r.length === requests ? undefined : `has ${r.length} results for ${requests} requests`;
  },
  publish: (r) => (isObject(r) && nonEmptyString(r.marketplaceId) ? undefined : 'must be { marketplaceId: string, response? }'),
  update: object,
  deactivate: object,
  delete: object,
  submitFeed: (r) => (isObject(r) && nonEmptyString(r.feedRef) ? undefined : 'must be { feedRef: string }'),
  checkFeed: (r) => {
    if (!isObject(r) || typeof r.done !== 'boolean') return 'must be { done: false, status? } or { done: true, results }';
    return !r.done || Array.isArray(r.results) ? undefined : 'results must be an array once done';
  },
  fetchRemoteState: (r, args) => {
    if (!Array.isArray(r)) return 'must be an array (one answer per item asked)';
    const bad = r.findIndex((i) => !isObject(i) || !nonEmptyString(i.skuId) || typeof i.found !== 'boolean');
    if (bad >= 0) return `${bad} must be { skuId: string, found: boolean, marketplaceId?, fields? }`;
    const asked = Array.isArray(args[0]) ? args[0].length : undefined;
    return asked === undefined || r.length === asked ? undefined : `has ${r.length} answers for ${asked} items`;
  },
  // refreshAuth resolves with nothing: the plugin keeps its new credentials (ctx.state / ctx.secrets).
  refreshAuth: (r) => (r === undefined || r === null ? undefined : 'must resolve with nothing'),
};
