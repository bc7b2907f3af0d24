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
  map: (r) => {
    if (!isObject(r) || typeof r.ok !== 'boolean') return 'must be { ok: true, payload } or { ok: false, fixes }';
    if (r.ok) return isObject(r.payload) ? undefined : 'payload must be an object';
    const fixes = r.fixes;
    if (!Array.isArray(fixes)) return 'fixes must be an array';
    const bad = fixes.findIndex((f) => !isObject(f) || typeof f.field !== 'string' || typeof f.rule !== 'string' || typeof f.message !== 'string');
    return bad < 0 ? undefined : `fixes/${bad} must be { field, rule, message } strings`;
  },
  transform: (r, args) => {
    if (!Array.isArray(r)) return 'must be an array (one result per request)';
    const requests = Array.isArray(args[0]) ? args[0].length : undefined;
    return requests === undefined || r.length === requests ? undefined : `has ${r.length} results for ${requests} requests`;
  },
  publish: (r) => (isObject(r) && nonEmptyString(r.marketplaceId) ? undefined : 'must be { marketplaceId: string, response? }'),
  update: object,
  deactivate: object,
  delete: object,
  submitFeed: (r) => (isObject(r) && nonEmptyString(r.feedId) ? undefined : 'must be { feedId: string, response? }'),
  checkFeed: (r) => (isObject(r) && typeof r.done === 'boolean' ? undefined : 'must be { done: boolean, items? }'),
  fetchRemoteState: (r) => {
    if (!Array.isArray(r)) return 'must be an array';
    const bad = r.findIndex((i) => !isObject(i) || !nonEmptyString(i.marketplaceId));
    return bad < 0 ? undefined : `${bad} must have a marketplaceId`;
  },
  refreshAuth: (r) => {
    if (!isObject(r) || !isObject(r.secrets)) return 'must be { secrets: { name: value } }';
    const bad = Object.entries(r.secrets).find(([, v]) => typeof v !== 'string');
    return bad ? `secrets/${bad[0]} must be a string` : undefined;
  },
};
