// The Mirakl plugin contract for plugins/centauro, end to end against the fake Mirakl on a scaled clock.
import { centauro } from '../support/feeds/centauro.js';
import { miraklContract } from '../support/mirakl-contract.js';

miraklContract(centauro);
