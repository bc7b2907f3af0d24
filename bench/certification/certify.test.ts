// One feed-plugin adapter's certification: the 5,000-SKU feed load (test/support/feed-load.ts, the very test each
// plugin's e2e file runs) at the size and clock scale bench/certification/run.mjs asks for. Run by run.mjs, one
// process per adapter file (test/support/feeds/<file>.ts), through vitest so the adapters' TypeScript and their
// vitest `expect` work as in the e2e tests.
//
// Environment (set by run.mjs): CONNECTOR_CERT_ADAPTER (the adapter file), CONNECTOR_CERT_ONLY (marketplace ids,
// comma-separated; default every scenario of a plugin under plugins/, no fixtures), CONNECTOR_CERT_SKUS,
// CONNECTOR_CERT_SCALE (a number, or `auto`: the scale at which the least time the limits allow takes about
// CONNECTOR_CERT_TARGET_SECONDS real seconds), CONNECTOR_FEED_LOAD_FIGURES (where feedLoadTest appends its figures).
import { pathToFileURL } from 'node:url';
import { feedLoadTest } from '../../test/support/feed-load.js';
import type { FeedFake, FeedScenario } from '../../test/support/feed-scenario.js';

const adapter = process.env.CONNECTOR_CERT_ADAPTER;
if (!adapter) throw new Error('CONNECTOR_CERT_ADAPTER is not set: run bench/certification/run.mjs');
const only = process.env.CONNECTOR_CERT_ONLY?.split(',').filter(Boolean);
const skus = Number(process.env.CONNECTOR_CERT_SKUS || 5000);
const targetMs = Number(process.env.CONNECTOR_CERT_TARGET_SECONDS || 90) * 1000;

const isScenario = (x: unknown): x is FeedScenario<FeedFake> =>
  !!x && typeof x === 'object' && typeof (x as FeedScenario<FeedFake>).marketplace === 'string' && typeof (x as FeedScenario<FeedFake>).start === 'function' && typeof (x as FeedScenario<FeedFake>).minimumMs === 'function';

/** 1, 2, 5, 10, 20, 50, … at most `x` (at least 1: the marketplace is never slowed below real time). */
function niceScale(x: number): number {
  if (!(x > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(x));
  return [5, 2, 1].map((m) => m * power).find((v) => v <= x)!;
}

const module = (await import(pathToFileURL(adapter).href)) as Record<string, unknown>;
const scenarios = [...new Set(Object.values(module).filter(isScenario))].filter((s) => (only ? only.includes(s.marketplace) : !s.pluginPaths?.length));

for (const scenario of scenarios) {
  const requested = process.env.CONNECTOR_CERT_SCALE || 'auto';
  const scale = requested === 'auto' ? niceScale(scenario.minimumMs(skus) / targetMs) : Number(requested);
  if (!(scale > 0)) throw new Error(`CONNECTOR_CERT_SCALE must be a number > 0 or "auto" (got ${requested})`);
  feedLoadTest(scenario, { skus, scale });
}
