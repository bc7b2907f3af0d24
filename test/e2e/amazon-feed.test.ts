// Amazon end to end: 5,000 SKUs from the fake VTEX through the real runtime and plugins/amazon to FakeAmazon, with
// the marketplace's clock scaled (the scale is printed with the figures). Asserts every SKU arrives with VTEX's
// values, every declared cap is respected (5 JSON_LISTINGS_FEED per 5 minutes, 25,000 messages and < 10 MiB a
// feed) and no offer reaches Amazon before its listing exists. See test/support/feeds/amazon.ts for the adapter.
import { feedLoadTest } from '../support/feed-load.js';
import { amazon } from '../support/feeds/amazon.js';

/**
 * 20 ×: a lot waits at most 30 s / 20 = 1.5 s real for more SKUs (the manifest's maxWaitMs), so the load, arriving at
 * the pipeline's pace, forms lots of hundreds — above perItemBelow (150), i.e. feeds — and a feed takes
 * (60 s + 120 s) / 20 = 9 s real at the fake; the submission slot (one a minute) is 3 s real.
 */
feedLoadTest(amazon, { skus: 5000, scale: 20 });
