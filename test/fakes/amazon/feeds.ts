// Processing of one JSON_LISTINGS_FEED document, as Amazon does when a feed leaves IN_PROGRESS: the document must be
// JSON, smaller than 10 MiB and valid against Amazon's feed schema (else the feed is FATAL and the report says why);
// then each message is applied in order and the processing report (Amazon's report schema) lists per-message issues.
import { isObject } from '../http.js';
import { amazonSchemas, describeSchemaErrors } from './schemas.js';
import type { AmazonIssue } from './listings.js';

/** Documented: a feed document must be smaller than 10 MiB. */
export const MAX_FEED_BYTES = 10 * 1024 * 1024;
/** Documented: at most 25,000 messages (also enforced by the schema's maxItems). */
export const MAX_FEED_MESSAGES = 25_000;
/** How many schema errors a FATAL report lists before summarising the rest. */
const MAX_REPORTED_SCHEMA_ERRORS = 200;

export type OperationType = 'UPDATE' | 'PARTIAL_UPDATE' | 'PATCH' | 'DELETE';

/** One message of the feed, already valid against the message schema. */
export interface FeedMessage {
  messageId: number;
  sku: string;
  operationType: OperationType;
  productType?: string;
  requirements?: 'LISTING' | 'LISTING_PRODUCT_ONLY' | 'LISTING_OFFER_ONLY';
  attributes?: Record<string, unknown>;
  patches?: unknown[];
}

/** An issue of the processing report (report schema: `attributeName` singular, no categories). */
export interface ReportIssue {
  messageId?: number;
  sku?: string;
  code: string;
  severity: 'ERROR' | 'WARNING' | 'INFO';
  message: string;
  attributeName?: string;
}

export interface ProcessingReport {
  header: { sellerId: string; version: '2.0'; feedId: string; report?: { includedData: string[]; apiVersion: string } };
  issues: ReportIssue[];
  summary: {
    errors: number;
    warnings: number;
    messagesProcessed: number;
    messagesAccepted: number;
    messagesInvalid: number;
    itemSummary?: { items: number; errors: number; warnings: number };
  };
  items?: Record<string, unknown>[];
}

/** What processing needs from the fake: apply one message (returning its issues) and read an item back. */
export interface FeedMessageHandler {
  apply(message: FeedMessage): AmazonIssue[];
  item(sku: string, includedData: readonly string[]): Record<string, unknown> | undefined;
}

export interface FeedInput {
  feedId: string;
  sellerId: string;
  /** Declared at createFeedDocument. */
  contentType: string;
  /** The uploaded bytes; undefined when nothing was uploaded. */
  content: Buffer | undefined;
}

export interface FeedOutcome {
  status: 'DONE' | 'FATAL';
  report: ProcessingReport;
}

const CODE_FATAL = 'FAKE-FEED-FATAL';

function fatal(input: FeedInput, messages: string[], extra: Partial<ReportIssue>[] = []): FeedOutcome {
  const issues: ReportIssue[] = messages.map((message, i) => ({ code: CODE_FATAL, severity: 'ERROR', message, ...extra[i] }));
  return {
    status: 'FATAL',
    report: {
      header: { sellerId: input.sellerId, version: '2.0', feedId: input.feedId },
      issues,
      summary: { errors: issues.length, warnings: 0, messagesProcessed: 0, messagesAccepted: 0, messagesInvalid: 0 },
    },
  };
}

/** The messageId / sku a schema error under `/messages/N/…` belongs to, when the document has them. */
function locate(doc: unknown, instancePath: string): Partial<ReportIssue> {
  const index = /^\/messages\/(\d+)/.exec(instancePath)?.[1];
  if (index === undefined || !isObject(doc) || !Array.isArray(doc.messages)) return {};
  const message: unknown = doc.messages[Number(index)];
  if (!isObject(message)) return {};
  return {
    ...(Number.isInteger(message.messageId) && (message.messageId as number) >= 1 && { messageId: message.messageId as number }),
    ...(typeof message.sku === 'string' && message.sku !== '' && { sku: message.sku }),
  };
}

export function processFeedDocument(input: FeedInput, handler: FeedMessageHandler): FeedOutcome {
  const { content } = input;
  if (content === undefined) return fatal(input, ['The feed document was never uploaded: PUT its contents to the URL createFeedDocument returned before calling createFeed.']);
  if (!/^application\/json\b/i.test(input.contentType.trim())) {
    return fatal(input, [`A JSON_LISTINGS_FEED document must have content type application/json (it was created as "${input.contentType}").`]);
  }
  if (content.length >= MAX_FEED_BYTES) {
    return fatal(input, [`The feed document is ${content.length} bytes; a JSON_LISTINGS_FEED must be smaller than 10 MiB (${MAX_FEED_BYTES} bytes). Split it into several feeds.`]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(content.toString('utf8'));
  } catch (err) {
    return fatal(input, [`The feed document is not valid JSON: ${(err as Error).message}`]);
  }

  const { feed } = amazonSchemas();
  if (!feed(doc)) {
    const errors = feed.errors ?? [];
    const lines = describeSchemaErrors(errors).map((l) => `The feed document does not match Amazon's JSON_LISTINGS_FEED schema (v2): ${l}`);
    const where = errors.map((e) => locate(doc, e.instancePath));
    if (lines.length > MAX_REPORTED_SCHEMA_ERRORS) {
      const rest = lines.length - MAX_REPORTED_SCHEMA_ERRORS;
      lines.length = MAX_REPORTED_SCHEMA_ERRORS;
      lines.push(`… and ${rest} more schema errors.`);
    }
    return fatal(input, lines, where);
  }

  const { header, messages } = doc as { header: { sellerId: string; report?: { includedData: string[]; apiVersion: string } }; messages: FeedMessage[] };
  if (header.sellerId !== input.sellerId) {
    return fatal(input, [`header.sellerId "${header.sellerId}" is not the seller the access token belongs to (${input.sellerId}).`]);
  }
  const seen = new Set<number>();
  const duplicates = new Set<number>();
  for (const m of messages) (seen.has(m.messageId) ? duplicates : seen).add(m.messageId);
  if (duplicates.size > 0) {
    return fatal(input, [`messageId must be unique within a feed; repeated: ${[...duplicates].join(', ')}.`]);
  }

  const issues: ReportIssue[] = [];
  const acceptedSkus: string[] = [];
  let accepted = 0;
  for (const message of messages) {
    const found = handler.apply(message);
    for (const i of found) {
      issues.push({
        messageId: message.messageId,
        sku: message.sku,
        code: i.code,
        severity: i.severity,
        message: i.message,
        ...(i.attributeNames?.[0] !== undefined && { attributeName: i.attributeNames[0] }),
      });
    }
    if (found.some((i) => i.severity === 'ERROR')) continue;
    accepted++;
    if (message.operationType !== 'DELETE') acceptedSkus.push(message.sku);
  }

  const report: ProcessingReport = {
    header: { sellerId: input.sellerId, version: '2.0', feedId: input.feedId, ...(header.report && { report: header.report }) },
    issues,
    summary: {
      errors: issues.filter((i) => i.severity === 'ERROR').length,
      warnings: issues.filter((i) => i.severity === 'WARNING').length,
      messagesProcessed: messages.length,
      messagesAccepted: accepted,
      messagesInvalid: messages.length - accepted,
    },
  };
  if (header.report) {
    const items = [...new Set(acceptedSkus)].map((sku) => handler.item(sku, header.report!.includedData)).filter((i): i is Record<string, unknown> => i !== undefined);
    report.items = items;
    report.summary.itemSummary = { items: items.length, errors: 0, warnings: 0 };
  }
  return { status: 'DONE', report };
}
