/**
 * The plugin validation rules: one stable id each (never reused for another meaning), a severity and a
 * scope. `connector plugin validate` runs them all; the runtime runs the `manifest`-scoped ones when it
 * loads a plugin (errors refuse it, warnings are logged). `package`-scoped rules are about what is
 * published with the manifest (README, npm keyword, `files`) and cannot change how the plugin runs.
 *
 * docs/plugin-authoring.md lists every rule ("Validation rules"); test/docs/plugin-authoring.test.ts
 * keeps the list and this catalogue equal.
 */

export type Severity = 'error' | 'warning';
export type RuleScope = 'manifest' | 'package';

export interface RuleInfo {
  severity: Severity;
  scope: RuleScope;
  /** One line: what the rule checks. */
  summary: string;
}

const rule = (severity: Severity, scope: RuleScope, summary: string): RuleInfo => ({ severity, scope, summary });
const E = 'error' as const;
const W = 'warning' as const;

export const LINT_RULES = {
  // The manifest as a whole
  'manifest/schema': rule(E, 'manifest', 'The manifest breaks the published schema (core/schema/plugin-manifest.schema.json).'),
  'manifest/engine-range': rule(E, 'manifest', '`engines.connector` matches no version, or spans more than one major of the plugin API.'),
  'manifest/engine-incompatible': rule(E, 'manifest', "`engines.connector` does not include this core's plugin API version."),
  'manifest/activation-event': rule(E, 'manifest', 'An activation event names another marketplace.'),
  'manifest/main': rule(E, 'manifest', '`main` does not exist (not built yet?) or points outside the package.'),
  // Settings
  'settings/schema': rule(E, 'manifest', 'The settings are not a valid draft-07 JSON schema of an object.'),
  'settings/secret': rule(E, 'manifest', 'A setting marked `x-secret` is not a top-level string.'),
  'settings/secret-default': rule(W, 'manifest', 'A secret setting has a default value (it would be published in the manifest).'),
  'settings/api-base-url': rule(W, 'manifest', 'No `apiBaseUrl` setting: operators cannot point the plugin at a sandbox, and tests cannot point it at a fake.'),
  // Hosts
  'hosts/empty': rule(W, 'manifest', '`allowedHosts` is empty: ctx.http may only reach the host of the `apiBaseUrl` setting.'),
  'hosts/wildcard': rule(W, 'manifest', 'A wildcard in `allowedHosts` covers a whole top-level domain.'),
  'hosts/loopback': rule(W, 'manifest', '`allowedHosts` names a loopback host; tests reach their fake through `apiBaseUrl` instead.'),
  // The field-mapping table
  'mapping/missing': rule(E, 'manifest', '`fieldMappings` has no rows: the core builds the payload only from it.'),
  'mapping/row': rule(E, 'manifest', 'A row cannot run: bad target or source path, or no source and no transformation that makes a value.'),
  'mapping/transform-args': rule(E, 'manifest', "A core transformation's arguments are wrong."),
  'mapping/target-overlap': rule(E, 'manifest', 'Two rows write the same payload path (or one inside the other).'),
  'mapping/source-unknown': rule(E, 'manifest', 'A source path (or a coalesce source, a template placeholder) is not in the VTEX snapshot schema or the settings.'),
  'mapping/secret-source': rule(E, 'manifest', 'A row reads a secret setting: secrets never reach the payload, so it is always empty.'),
  'mapping/transform-undeclared': rule(W, 'manifest', 'An op is neither a core transformation nor declared in `transforms` (a typo, or a plugin op to declare).'),
  'mapping/transform-unused': rule(W, 'manifest', 'An op declared in `transforms` is used by no row.'),
  'mapping/required-field-unmapped': rule(E, 'manifest', 'A `required` (or `minItems` ≥ 1) rule names a field no row fills: every SKU would fail it.'),
  'mapping/price-unmapped': rule(W, 'manifest', 'No row reads the price (`offer.price`, `offer.sellingPrice` or `offer.listPrice`).'),
  'mapping/stock-unmapped': rule(W, 'manifest', 'No row reads the stock (`offer.stock`).'),
  'mapping/vtex-api': rule(W, 'manifest', 'The "VTEX API" column does not name the API the row\'s source is read from.'),
  // Registration rules
  'rules/invalid': rule(E, 'manifest', 'A registration rule cannot be checked (bad pattern, value of the wrong kind).'),
  'rules/contradiction': rule(E, 'manifest', 'Two rules on one field contradict each other (a minimum above a maximum).'),
  'rules/default-breaks-rule': rule(E, 'manifest', "A row's `default`/`const` value breaks a rule on the same field: every SKU using it would fail."),
  'rules/field-unmapped': rule(W, 'manifest', 'A rule names a field no row fills: it never sees a value.'),
  'rules/duplicate': rule(W, 'manifest', 'The same rule is declared twice for one field.'),
  // Limits and capabilities
  'limits/invalid': rule(E, 'manifest', '`limits` break core/schema/limits.schema.json.'),
  'limits/rate-missing': rule(W, 'manifest', 'No rate limit is declared: the core will not pace calls to the marketplace.'),
  'limits/unknown-operation': rule(W, 'manifest', 'A rate limit names an operation the core never calls in this mode (item or feed).'),
  'limits/feed-batch': rule(W, 'manifest', 'A feed plugin declares no `batch.maxItems`: lots get the core default (25 items).'),
  'capabilities/missing': rule(W, 'manifest', 'No `capabilities`: the core assumes an item API that cannot deactivate (withdrawn items are deleted).'),
  // What is published with the manifest
  'package/keyword': rule(W, 'package', 'No `connector-plugin` keyword: the runtime does not find the package among installed npm packages.'),
  'package/files': rule(E, 'package', '`files` leaves `main` out: `npm pack` would publish a plugin without its code.'),
  'readme/missing': rule(E, 'package', 'There is no README.md.'),
  'readme/mapping-table': rule(E, 'package', 'README.md has no generated mapping table (mapping-table markers).'),
  'readme/section-missing': rule(W, 'package', 'README.md lacks a generated section (registration rules, settings or limits).'),
  'readme/stale': rule(E, 'package', 'A generated section of README.md is not what `connector plugin docs` writes from the manifest.'),
} as const satisfies Record<string, RuleInfo>;

export type RuleId = keyof typeof LINT_RULES;

/** One problem found by a rule: where (JSON pointer into package.json), what, and how to fix it. */
export interface Finding {
  rule: RuleId;
  severity: Severity;
  /** JSON pointer into the manifest ('' for the whole package). */
  pointer: string;
  message: string;
  fix: string;
}

export function finding(rule: RuleId, pointer: string, message: string, fix: string): Finding {
  return { rule, severity: LINT_RULES[rule].severity, pointer, message, fix };
}
