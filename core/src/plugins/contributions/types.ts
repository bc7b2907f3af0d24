import type { FieldProblem } from '../../errors/errors.js';

/** A manifest problem: where (JSON pointer), what, and what the plugin's author should do. */
export interface PluginProblem extends FieldProblem {
  fix: string;
  /** The validation rule that found it (core/src/plugins/lint/rules.ts), when one did. */
  rule?: string;
}

/**
 * A contribution point: one key of the manifest's `contributes`, with its own sub-schema and the
 * checks a JSON schema cannot express. Adding a contribution point = one file in this folder plus its
 * line in ./index.ts; the published schema (core/schema/plugin-manifest.schema.json) is built from them.
 */
export interface ContributionPoint {
  /** The key under `contributes`. */
  name: string;
  description: string;
  required: boolean;
  /** JSON schema (draft-07) of the contribution; `x-fix` on a node says how to fix a value it refuses. */
  schema: Record<string, unknown>;
  /** Definitions the schema refers to as `#/definitions/<name>`; names are prefixed by the point's name. */
  definitions?: Record<string, Record<string, unknown>>;
  /** Checks beyond the schema, run once the schema passes; `pointer` is the contribution's JSON pointer. */
  check?(value: unknown, pointer: string): PluginProblem[];
}
