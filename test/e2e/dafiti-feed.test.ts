/**
 * Dafiti end to end at certification size: 5,000 SKUs from the fake VTEX through the runtime to the fake
 * SellerCenter (test/support/feed-load.ts with the Dafiti adapter, test/support/feeds/dafiti.ts): every SKU with
 * VTEX's values (every field checked), every declared submission cap respected, no price or stock update before
 * its ProductCreate was processed. The fake's clock runs SCALE times faster than real time and the manifest's
 * limits are compressed by the same scale; the figures line printed says so (`scale`, `clock`).
 */
import { feedLoadTest } from '../support/feed-load.js';
import { dafitiScenario } from '../support/feeds/dafiti.js';

/**
 * A SellerCenter minute every 3 real seconds: the declared limits allow the 5,000 SKUs in 11 marketplace minutes
 * (33 s); the run takes about 60 s on Postgres. A faster clock would shorten it, but the real-time jitter of the
 * core's pacing, multiplied by the scale, would then eat into the two minutes between feeds the caps check (see
 * PACING_JITTER_REAL_MS in the adapter).
 */
const SCALE = 20;

feedLoadTest(dafitiScenario, { skus: 5000, scale: SCALE });
