import { createAjv } from '../../config/validation.js';
import type { ContributionPoint, PluginProblem } from './types.js';

const HOST_LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
/** A lowercase host name (or IPv4 address), optionally `*.` for any sub-domain; no scheme, port or path. */
export const HOST_PATTERN = `^(\\*\\.)?${HOST_LABEL}(\\.${HOST_LABEL})*$`;

const RULES_WITH_NUMBER = ['maxLength', 'minLength', 'maxItems', 'minItems', 'min', 'max'];

/**
 * `contributes.marketplace`: what a marketplace plugin declares — identity, per-integration settings,
 * the hosts its code may reach, the VTEX field-mapping table, registration rules, limits and
 * capabilities. The core enforces all of it; the plugin's code only speaks the marketplace's API.
 */
export const marketplaceContribution: ContributionPoint = {
  name: 'marketplace',
  description: 'The marketplace this plugin connects VTEX stores to.',
  required: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'displayName', 'allowedHosts'],
    properties: {
      id: {
        type: 'string',
        pattern: '^[a-z][a-z0-9-]{1,39}$',
        description: 'Marketplace id used in the config (integrations[].marketplace), queue names and state.',
        'x-fix': 'use 2–40 lowercase letters, digits and dashes, starting with a letter, e.g. "mercadolivre"',
      },
      displayName: { type: 'string', minLength: 1, maxLength: 80, description: 'Name shown to operators.' },
      settings: { $ref: '#/definitions/marketplace.settings' },
      allowedHosts: {
        type: 'array',
        uniqueItems: true,
        items: { type: 'string', pattern: HOST_PATTERN, 'x-fix': 'write a bare host name such as "api.example.com" or "*.example.com" (no scheme, port or path)' },
        description:
          'Hosts ctx.http may reach. The host of the integration\'s own apiBaseUrl setting (chosen by the operator) is allowed too.',
      },
      fieldMappings: { type: 'array', items: { $ref: '#/definitions/marketplace.fieldMapping' }, description: 'The VTEX field-mapping table, one row per marketplace field.' },
      registrationRules: { type: 'array', items: { $ref: '#/definitions/marketplace.registrationRule' }, description: 'What a SKU must satisfy before it is sent.' },
      transforms: {
        type: 'array',
        uniqueItems: true,
        description: "Transformation ops the plugin's `transform` handler provides (ops the core does not have), with the words the README's Transformation column uses for them.",
        items: { $ref: '#/definitions/marketplace.transform' },
      },
      limits: { $ref: '#/definitions/marketplace.limits' },
      capabilities: { $ref: '#/definitions/marketplace.capabilities' },
    },
  },
  definitions: {
    'marketplace.settings': {
      type: 'object',
      description: 'JSON schema (draft-07) of one integration\'s settings. Secret properties (top level, strings) carry "x-secret": true.',
      required: ['type'],
      properties: {
        type: { const: 'object', 'x-fix': 'settings describe an object: set "type": "object"' },
        properties: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            properties: { 'x-secret': { type: 'boolean' } },
          },
        },
        required: { type: 'array', items: { type: 'string' } },
      },
    },
    'marketplace.fieldMapping': {
      type: 'object',
      additionalProperties: false,
      required: ['vtexField', 'howToFill', 'vtexApi', 'target', 'mandatory', 'buyBox'],
      properties: {
        vtexField: { type: 'string', minLength: 1, description: 'The VTEX field, as VTEX documents it.' },
        howToFill: { type: 'string', minLength: 1, description: 'How the seller fills it in VTEX.' },
        vtexApi: { type: 'string', minLength: 1, description: 'The VTEX API it is read from.' },
        source: { type: 'string', minLength: 1, description: 'Path of the value in the VTEX SKU snapshot.' },
        target: { type: 'string', minLength: 1, description: 'Dot path of the value in the marketplace payload.' },
        transform: {
          type: 'array',
          description: 'Transformation pipeline, applied in order (none: the value is copied as is).',
          items: { type: 'object', required: ['op'], properties: { op: { type: 'string', minLength: 1 } } },
        },
        mandatory: { type: 'boolean' },
        buyBox: { type: 'boolean', description: 'The field takes part in BuyBox matching.' },
        description: { type: 'string' },
      },
    },
    'marketplace.transform': {
      type: 'object',
      additionalProperties: false,
      required: ['op', 'description'],
      properties: {
        op: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9]*$', description: 'The op name used in fieldMappings[].transform[].op.', 'x-fix': 'name the op in camelCase letters and digits, e.g. "slugifyTitle"' },
        description: { type: 'string', minLength: 1, description: 'What it does, for the mapping table ("the size in the marketplace\'s grid").' },
      },
    },
    'marketplace.registrationRule': {
      type: 'object',
      additionalProperties: false,
      required: ['field', 'rule', 'message'],
      properties: {
        field: { type: 'string', minLength: 1 },
        rule: { enum: ['required', 'maxLength', 'minLength', 'maxItems', 'minItems', 'pattern', 'ean', 'min', 'max', 'enum'] },
        value: { type: ['number', 'string', 'array'] },
        message: { type: 'string', minLength: 1, description: 'What the seller should do, in plain words.' },
      },
      allOf: [
        {
          if: { properties: { rule: { enum: RULES_WITH_NUMBER } }, required: ['rule'] },
          then: { required: ['value'], properties: { value: { type: 'number', 'x-fix': 'give the rule\'s limit as a number in "value"' } } },
        },
        {
          if: { properties: { rule: { const: 'pattern' } }, required: ['rule'] },
          then: { required: ['value'], properties: { value: { type: 'string', 'x-fix': 'give the regular expression as a string in "value"' } } },
        },
        {
          if: { properties: { rule: { const: 'enum' } }, required: ['rule'] },
          then: { required: ['value'], properties: { value: { type: 'array', minItems: 1, 'x-fix': 'list the allowed values in "value"' } } },
        },
      ],
    },
    'marketplace.limits': {
      type: 'object',
      additionalProperties: false,
      description: 'Limits the core enforces for every integration of this marketplace.',
      properties: {
        rate: {
          type: 'object',
          description: 'Per operation (publish, update, …, or default).',
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            properties: {
              perSecond: { type: 'number', exclusiveMinimum: 0 },
              perMinute: { type: 'number', exclusiveMinimum: 0 },
              burst: { type: 'integer', minimum: 1 },
            },
            anyOf: [{ required: ['perSecond'] }, { required: ['perMinute'] }],
            'x-fix': 'give the operation a sustained rate: "perSecond" or "perMinute" (and optionally "burst")',
          },
        },
        batch: {
          type: 'object',
          additionalProperties: false,
          properties: {
            maxItems: { type: 'integer', minimum: 1 },
            maxBytes: { type: 'integer', minimum: 1 },
            maxWaitMs: { type: 'integer', minimum: 0 },
            quietMs: { type: 'integer', minimum: 0 },
          },
        },
        concurrency: { type: 'integer', minimum: 1, description: 'Calls in flight at once per integration.' },
      },
    },
    'marketplace.capabilities': {
      type: 'object',
      additionalProperties: false,
      required: ['mode'],
      properties: {
        mode: { enum: ['item', 'feed'], description: 'item: one call per item; feed: batches submitted as feeds and polled.' },
        canDeactivate: { type: 'boolean', default: false },
        needsProductBeforeOffer: { type: 'boolean', default: false },
        perItemBelow: {
          type: 'integer',
          minimum: 2,
          description: 'Feed mode: a lot of fewer items than this is delivered through the item handlers (publish, update, deactivate/delete) instead of submitFeed.',
        },
      },
    },
  },
  check(value, pointer) {
    const problems: PluginProblem[] = [];
    const settings = (value as { settings?: Record<string, unknown> }).settings;
    if (settings) {
      try {
        createAjv().compile(settings);
      } catch (error) {
        problems.push({
          path: `${pointer}/settings`,
          message: `is not a valid JSON schema: ${(error as Error).message}`,
          fix: 'write the settings as a draft-07 JSON schema of an object',
          rule: 'settings/schema',
        });
      }
      problems.push(...secretProblems(settings, `${pointer}/settings`));
    }
    return problems;
  },
};

/** Secrets are top-level string settings: the core hands them out by name through ctx.secrets. */
function secretProblems(schema: Record<string, unknown>, pointer: string): PluginProblem[] {
  const problems: PluginProblem[] = [];
  const visit = (node: unknown, path: string, topLevel: boolean) => {
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record['x-secret'] === true) {
      if (!topLevel) {
        problems.push({ path, message: 'marks a nested setting as secret', fix: 'declare secrets as top-level string properties of the settings', rule: 'settings/secret' });
      } else if (record.type !== 'string') {
        problems.push({ path, message: 'marks a non-string setting as secret', fix: 'give the secret "type": "string"', rule: 'settings/secret' });
      }
    }
    for (const [key, child] of Object.entries(record)) {
      if (key === 'x-secret') continue;
      if (key === 'properties' && child && typeof child === 'object' && path === pointer) {
        for (const [name, prop] of Object.entries(child)) visit(prop, `${path}/properties/${escapePointer(name)}`, true);
      } else if (child && typeof child === 'object') {
        visit(child, `${path}/${escapePointer(key)}`, false);
      }
    }
  };
  visit(schema, pointer, false);
  return problems;
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
