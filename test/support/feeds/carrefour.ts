/** FeedScenario of plugins/carrefour (a Mirakl marketplace) against FakeMirakl: see test/support/mirakl-contract.ts. */
import { miraklScenario } from '../mirakl-contract.js';

export const carrefour = miraklScenario('carrefour');
