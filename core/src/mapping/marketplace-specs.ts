import { inject, injectable } from 'tsyringe';
import { TOKENS } from '../di/tokens.js';
import { Errors, type FieldProblem } from '../errors/errors.js';
import type { MarketplaceHandlers } from '../plugin-api/index.js';
import type { MarketplaceCapabilities, PluginManifest } from '../plugins/manifest.js';
import type { PluginHost } from '../plugins/plugin-host.js';
import { compileRules, type CompiledRules } from '../rules/registration-rules.js';
import { compileMapping, type CompiledMapping } from './engine.js';

export const DEFAULT_CAPABILITIES: MarketplaceCapabilities = { mode: 'item', canDeactivate: false, needsProductBeforeOffer: false };

/** What the core needs from a plugin's manifest to build, check and route its payloads. */
export interface MarketplaceSpec {
  marketplace: string;
  displayName: string;
  plugin: string;
  mapping: CompiledMapping;
  rules: CompiledRules;
  capabilities: MarketplaceCapabilities;
  /** The integration's settings as the mapping sees them: schema defaults applied, `x-secret` properties removed. */
  publicSettings(settings: Record<string, unknown>): Record<string, unknown>;
}

/**
 * Compiles each plugin's `fieldMappings` and `registrationRules` once, from the manifest only (no
 * plugin code runs), and keeps them. Problems are reported per plugin with JSON pointers.
 */
@injectable()
export class MarketplaceSpecs {
  private readonly specs = new Map<string, { spec: MarketplaceSpec; problems: FieldProblem[] }>();

  constructor(@inject(TOKENS.PluginHost) private readonly plugins: Pick<PluginHost, 'manifest'>) {}

  /** Every problem of `marketplace`'s mapping and rules (empty when it is sound). */
  problems(marketplace: string): FieldProblem[] {
    return this.load(marketplace).problems;
  }

  /** The compiled spec; throws CONNECTOR_ERR_PLUGIN_INVALID listing every problem when the manifest is unsound. */
  get(marketplace: string): MarketplaceSpec {
    const { spec, problems } = this.load(marketplace);
    if (problems.length) throw Errors.pluginInvalid(spec.plugin, problems);
    return spec;
  }

  /** A plugin whose manifest promises deactivation must provide the handler, and one that cannot deactivate must delete. */
  checkHandlers(spec: MarketplaceSpec, handlers: MarketplaceHandlers): void {
    const problems: FieldProblem[] = [];
    if (spec.capabilities.canDeactivate && typeof handlers.deactivate !== 'function') {
      problems.push({ path: '/contributes/marketplace/capabilities/canDeactivate', message: 'is true but activate() returned no deactivate handler' });
    }
    if (!spec.capabilities.canDeactivate && typeof handlers.delete !== 'function') {
      problems.push({ path: '/contributes/marketplace/capabilities/canDeactivate', message: 'is false, so the core deletes withdrawn items, but activate() returned no delete handler' });
    }
    if (spec.mapping.pluginOps.length && typeof handlers.transform !== 'function') {
      problems.push({
        path: '/contributes/marketplace/fieldMappings',
        message: `uses ${spec.mapping.pluginOps.join(', ')}, which the core does not provide, but activate() returned no transform handler (core ops: see docs/pipeline.md)`,
      });
    }
    if (problems.length) throw Errors.pluginInvalid(spec.plugin, problems);
  }

  private load(marketplace: string) {
    let entry = this.specs.get(marketplace);
    if (!entry) {
      entry = compileSpec(marketplace, this.plugins.manifest(marketplace));
      this.specs.set(marketplace, entry);
    }
    return entry;
  }
}

export function compileSpec(marketplace: string, manifest: PluginManifest): { spec: MarketplaceSpec; problems: FieldProblem[] } {
  const contribution = manifest.contributes.marketplace;
  const displayName = contribution.displayName ?? marketplace;
  const { mapping, problems } = compileMapping(contribution.fieldMappings, { marketplace, displayName });
  const rules = compileRules(contribution.registrationRules);
  const capabilities = { ...DEFAULT_CAPABILITIES, ...contribution.capabilities };
  const schema = (contribution.settings ?? {}) as { properties?: Record<string, { default?: unknown; 'x-secret'?: boolean }> };
  const properties = schema.properties ?? {};
  const secret = new Set(Object.entries(properties).filter(([, p]) => p?.['x-secret'] === true).map(([k]) => k));
  const defaults = Object.fromEntries(Object.entries(properties).filter(([, p]) => p && 'default' in p).map(([k, p]) => [k, p.default]));
  return {
    problems: [...problems, ...rules.problems],
    spec: {
      marketplace,
      displayName,
      plugin: manifest.name,
      mapping,
      rules: rules.rules,
      capabilities,
      publicSettings: (settings) =>
        // Secrets never reach a payload, a state row or a log.
        Object.fromEntries(Object.entries({ ...structuredClone(defaults), ...settings }).filter(([k]) => !secret.has(k))),
    },
  };
}
