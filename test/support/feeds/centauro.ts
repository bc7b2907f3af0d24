/** FeedScenario of plugins/centauro (a Mirakl marketplace) against FakeMirakl: see test/support/mirakl-contract.ts. */
import { miraklScenario } from '../mirakl-contract.js';

export const centauro = miraklScenario('centauro');
