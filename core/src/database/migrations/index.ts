import type { Migration } from './types.js';
import { migration as m001 } from './001-foundation.js';
import { migration as m002 } from './002-pipeline-semantics.js';
import { migration as m003 } from './003-extension-host.js';
import { migration as m004 } from './004-delivery-engine.js';
import { migration as m005 } from './005-admin.js';
import { migration as m007 } from './007-snapshot-offer.js';
import { migration as m011 } from './011-plugin-activations.js';
import { migration as m012 } from './012-feed-withdrawals.js';

/**
 * The connector's own schema, one file per version (NNN-name.ts). Never edit a released file: add a
 * new one and list it here. (pg-boss migrates its own schema itself when it starts.)
 */
export const MIGRATIONS: Migration[] = [m001, m002, m003, m004, m005, m007, m011, m012];
export type { Migration };
