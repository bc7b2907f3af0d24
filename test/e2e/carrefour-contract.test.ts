// The Mirakl plugin contract for plugins/carrefour, end to end against the fake Mirakl on a scaled clock.
import { carrefour } from '../support/feeds/carrefour.js';
import { miraklContract } from '../support/mirakl-contract.js';

miraklContract(carrefour);
