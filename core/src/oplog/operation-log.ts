import { inject, injectable } from 'tsyringe';
import type { Database, Queryable } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import { Errors } from '../errors/errors.js';
import { LOG_STATUSES, OUTCOME_CODES, type LogStatus, type OutcomeCode } from './codes.js';

/** One operation log entry as the pipeline writes it. */
export interface OperationLogEntry {
  store: string;
  marketplace?: string | null;
  skuId?: string | null;
  requestId?: string | null;
  code?: OutcomeCode | null;
  /** Defaults to the code's status. */
  status?: LogStatus;
  operation: string;
  direction: string;
  /** What came from the origin (the VTEX data read). */
  contentSource?: unknown;
  /** What the connector made of it (the marketplace payload). */
  contentTranslated?: unknown;
  /** What the destination answered. */
  contentDestination?: unknown;
  businessMessage: string;
}

/** One entry of `{"Messages": [...]}` in VTEX's format (`ContentTransalted` is VTEX's own spelling), plus where and when. */
export interface OperationLogMessage {
  id: string;
  Operation: string;
  Direction: string;
  ContentSource: string;
  ContentTransalted: string;
  ContentDestination: string;
  BusinessMessage: string;
  Status: LogStatus;
  Code: OutcomeCode | null;
  IdSku: string | null;
  Marketplace: string | null;
  RequestId: string | null;
  DateAt: string;
}

export interface OperationLogQuery {
  store: string;
  /** The day, yyyy-mm-dd, in `timeZone`. */
  date: string;
  /** IANA zone the day is taken in; UTC when absent. */
  timeZone?: string;
  statuses?: LogStatus[];
  marketplace?: string;
  skuId?: string;
  codes?: OutcomeCode[];
  page?: number;
  pageSize?: number;
}

export const MAX_PAGE_SIZE = 1000;

/** Parses VTEX's `status` parameter: `all`, or a comma list (`success,error`; VTEX's own example spells `sucess`). */
export function parseStatuses(raw: string | undefined): LogStatus[] | undefined {
  if (raw === undefined || raw.trim() === '' || raw.trim().toLowerCase() === 'all') return undefined;
  const out = new Set<LogStatus>();
  for (const part of raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    const status = part === 'sucess' ? 'Success' : LOG_STATUSES.find((s) => s.toLowerCase() === part);
    if (!status) throw Errors.invalidArgument('status', `"${part}" is not a log status; use all or a comma list of ${LOG_STATUSES.join(', ').toLowerCase()}`);
    out.add(status);
  }
  return [...out];
}

const text = (value: unknown) => (value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value));

/**
 * The operation log: what happened to each SKU on each marketplace, in VTEX's message format, with
 * the S1/A1–A3/E1–E5 codes. Written in batches, in the caller's transaction when it has one.
 */
@injectable()
export class OperationLog {
  constructor(@inject(TOKENS.Database) private readonly db: Database) {}

  async write(entries: OperationLogEntry[], via: Queryable = this.db): Promise<void> {
    if (!entries.length) return;
    const rows = entries.map((e) => ({
      store: e.store,
      marketplace: e.marketplace ?? null,
      sku_id: e.skuId ?? null,
      request_id: e.requestId ?? null,
      code: e.code ?? null,
      status: e.status ?? (e.code ? OUTCOME_CODES[e.code].status : 'Success'),
      operation: e.operation,
      direction: e.direction,
      content_source: e.contentSource ?? null,
      content_translated: e.contentTranslated ?? null,
      content_destination: e.contentDestination ?? null,
      business_message: e.businessMessage,
    }));
    await via.query(
      `insert into operation_logs (store, marketplace, sku_id, request_id, code, status, operation, direction,
                                   content_source, content_translated, content_destination, business_message)
       select store, marketplace, sku_id, request_id, code, status, operation, direction,
              content_source, content_translated, content_destination, business_message
       from jsonb_to_recordset($1::jsonb) as l(store text, marketplace text, sku_id text, request_id text, code text, status text,
              operation text, direction text, content_source jsonb, content_translated jsonb, content_destination jsonb, business_message text)`,
      [JSON.stringify(rows)],
    );
  }

  /** One page of a store's messages of one day, oldest first. */
  async query(q: OperationLogQuery): Promise<{ messages: OperationLogMessage[]; hasMore: boolean }> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(q.date) || Number.isNaN(Date.parse(`${q.date}T00:00:00Z`))) {
      throw Errors.invalidArgument('DateAt', `"${q.date}" is not a date; use yyyy-mm-dd, e.g. 2024-05-31`);
    }
    const timeZone = q.timeZone ?? 'UTC';
    try {
      new Intl.DateTimeFormat('en', { timeZone });
    } catch {
      throw Errors.invalidArgument('tz', `"${timeZone}" is not an IANA time zone (e.g. America/Sao_Paulo)`);
    }
    const pageSize = q.pageSize ?? 100;
    const page = q.page ?? 1;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw Errors.invalidArgument('pageSize', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
    if (!Number.isInteger(page) || page < 1) throw Errors.invalidArgument('page', 'must be a whole number from 1');
    const rows = await this.db.query<Record<string, unknown>>(
      `select id, marketplace, sku_id, request_id, code, status, operation, direction, content_source, content_translated,
              content_destination, business_message, created_at
       from operation_logs
       where store = $1
         and created_at >= ($2::date)::timestamp at time zone $3
         and created_at < ($2::date + 1)::timestamp at time zone $3
         and ($4::text[] is null or status = any($4::text[]))
         and ($5::text is null or marketplace = $5)
         and ($6::text is null or sku_id = $6)
         and ($7::text[] is null or code = any($7::text[]))
       order by created_at, id
       limit $8 offset $9`,
      [q.store, q.date, timeZone, q.statuses ?? null, q.marketplace ?? null, q.skuId ?? null, q.codes ?? null, pageSize + 1, (page - 1) * pageSize],
    );
    const hasMore = rows.length > pageSize;
    return {
      hasMore,
      messages: rows.slice(0, pageSize).map(toMessage),
    };
  }

  /** Deletes entries older than `days`, a chunk at a time so no statement holds locks for long; returns how many. */
  async purgeOlderThan(days: number, chunk = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.db.query<{ n: number }>(
        `with gone as (
           delete from operation_logs where id in (
             select id from operation_logs where created_at < now() - make_interval(days => $1) limit $2)
           returning 1)
         select count(*)::int as n from gone`,
        [days, chunk],
      );
      total += rows[0].n;
      if (rows[0].n < chunk) return total;
    }
  }
}

/** A stored log row (all columns) in VTEX's message format; also used by the admin API's SKU history. */
export function toMessage(r: Record<string, unknown>): OperationLogMessage {
  return {
    id: String(r.id),
    Operation: r.operation as string,
    Direction: r.direction as string,
    ContentSource: text(r.content_source),
    ContentTransalted: text(r.content_translated),
    ContentDestination: text(r.content_destination),
    BusinessMessage: r.business_message as string,
    Status: r.status as LogStatus,
    Code: (r.code as OutcomeCode) ?? null,
    IdSku: (r.sku_id as string) ?? null,
    Marketplace: (r.marketplace as string) ?? null,
    RequestId: (r.request_id as string) ?? null,
    DateAt: new Date(r.created_at as string).toISOString(),
  };
}
