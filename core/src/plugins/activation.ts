import type { PluginManifest } from './manifest.js';

/**
 * Activation events, VS Code style: they say when a plugin's code is loaded.
 * - `onMarketplace:<id>` (the default, and always implied): the first time an integration of the
 *   plugin's marketplace has work — until then the module is never evaluated.
 * - `onStartup`: as soon as the runtime starts, every enabled integration of the plugin is activated
 *   (e.g. to warm an auth token), instead of waiting for work.
 */
export function activationEvents(manifest: PluginManifest): string[] {
  const implied = `onMarketplace:${manifest.contributes.marketplace.id}`;
  const declared = manifest.activationEvents ?? [];
  return declared.includes(implied) ? declared : [...declared, implied];
}

export function activatesOnStartup(manifest: PluginManifest): boolean {
  return activationEvents(manifest).includes('onStartup');
}

/** The integration an activation serves; the key names it across the isolation boundary. */
export interface IntegrationRef {
  store: string;
  marketplace: string;
}

export function integrationKey(ref: IntegrationRef): string {
  return `${ref.store}/${ref.marketplace}`;
}
