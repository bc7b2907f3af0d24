import { marketplaceContribution } from './marketplace.js';
import type { ContributionPoint } from './types.js';

export type { ContributionPoint, PluginProblem } from './types.js';

/** Every contribution point a manifest may use under `contributes`. Add new ones here. */
export const CONTRIBUTION_POINTS: readonly ContributionPoint[] = [marketplaceContribution];
