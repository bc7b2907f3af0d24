// Amazon's own published JSON schemas (test/fixtures/amazon-sp-api, Apache-2.0, unmodified), compiled once with ajv:
// the fake validates every uploaded JSON_LISTINGS_FEED against them and checks each processing report it writes.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const MARKER = 'listings-feed-schema-v2.json';

/** `test/fixtures/amazon-sp-api`, found by walking up from this module, which runs both from source
 * (`test/fakes/amazon`) and compiled (`test/dist/fakes/amazon`). */
export function amazonFixturesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    const candidate = join(dir, 'fixtures', 'amazon-sp-api');
    if (existsSync(join(candidate, MARKER))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`Amazon SP-API fixtures not found above ${fileURLToPath(import.meta.url)} (expected test/fixtures/amazon-sp-api/${MARKER})`);
}

/** A fixture file parsed as JSON (schemas, Swagger models, Amazon's examples). */
export function readAmazonFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(amazonFixturesDir(), name), 'utf8'));
}

export interface AmazonSchemas {
  /** JSON_LISTINGS_FEED document (header + messages). */
  feed: ValidateFunction;
  /** One feed message. */
  message: ValidateFunction;
  /** The processing report of a finished feed. */
  report: ValidateFunction;
}

let compiled: AmazonSchemas | undefined;

export function amazonSchemas(): AmazonSchemas {
  if (!compiled) {
    // Ajv's default strictness (unknown keywords are errors) plus the one non-standard annotation Amazon's schemas use
    // ("example" on patch operations); strictTypes off because Amazon's oneOf branches leave `type` to the parent.
    const ajv = new Ajv({ allErrors: true, strictTypes: false });
    ajv.addKeyword('example');
    compiled = {
      feed: ajv.compile(readAmazonFixture('listings-feed-schema-v2.json') as object),
      message: ajv.compile(readAmazonFixture('listings-feed-message-schema-v2.json') as object),
      report: ajv.compile(readAmazonFixture('listings-feed-processing-report-schema-v2.json') as object),
    };
  }
  return compiled;
}

/** "/messages/3/sku must NOT have fewer than 1 characters" — one line per ajv error. */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const where = e.instancePath === '' ? '(document)' : e.instancePath;
    const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : e.keyword === 'enum' ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : '';
    return `${where} ${e.message ?? e.keyword}${extra}`;
  });
}
