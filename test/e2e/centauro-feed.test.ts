// 5,000 SKUs from the fake VTEX to plugins/centauro end to end (test/support/feed-load.ts), on the fake Mirakl's clock at
// 60 × (a marketplace minute per real second: one product import every 15 s, catalogued 5 s after it is received),
// with the manifest's limits scaled alike. The figures line printed gives the scale and the wall time.
import { feedLoadTest } from '../support/feed-load.js';
import { centauro } from '../support/feeds/centauro.js';

feedLoadTest(centauro, { skus: 5000, scale: 60 });
