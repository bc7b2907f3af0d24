// Small HTTP plumbing shared by every fake: one server skeleton, body parsing, JSON answers, a token bucket and
// scripted faults. Only node: built-ins, so the fakes run anywhere the connector runs.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Thrown by handlers (and body parsing); `listen()` answers `body`, or else the fake's own error shape. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export interface ListenOptions {
  port?: number | undefined;
  host?: string | undefined;
  /** Body of an error answer in the fake's dialect (VTEX and Mercado Livre shape their errors differently). */
  errorBody: (status: number, message: string) => unknown;
}

export interface Listening {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  /** Aborted by `close()`: pending delays end and held requests are dropped. */
  readonly signal: AbortSignal;
  close(): Promise<void>;
}

/** Starts an HTTP server (port 0 = ephemeral). `close()` destroys open sockets, so it never waits for keep-alive
 * connections or requests the fake deliberately left unanswered. */
export async function listen(handler: Handler, opts: ListenOptions): Promise<Listening> {
  const host = opts.host ?? '127.0.0.1';
  const closing = new AbortController();
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    Promise.resolve()
      .then(() => handler(req, res, url))
      .catch((err: unknown) => {
        if (closing.signal.aborted) return void res.destroy();
        if (err instanceof HttpError) return sendJson(res, err.status, err.body ?? opts.errorBody(err.status, err.message), err.headers);
        console.error('fake server bug:', err); // a crash here is a bug in the fake, not a scenario: make it visible
        if (!res.headersSent) sendJson(res, 500, opts.errorBody(500, 'Internal server error'));
        else res.destroy();
      });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    signal: closing.signal,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Reads the whole body as text; past `limit` bytes the rest is drained (so the client still gets an answer) and
 * the request fails with 413. */
export async function readBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw new HttpError(413, `Request body larger than ${limit} bytes`);
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON object body; anything else (empty, malformed, an array or a scalar) is a 400. */
export async function readJsonObject(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<Record<string, unknown>> {
  const text = await readBody(req, limit);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Malformed JSON body');
  }
  if (!isObject(body)) throw new HttpError(400, 'The body must be a JSON object');
  return body;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Classic token bucket: `perSecond` tokens a second, at most `burst` saved up. */
export class TokenBucket {
  #tokens: number;
  #last: number;

  /** `start` is the clock reading the bucket is full at (pass it when `take()` is fed another clock). */
  constructor(
    readonly perSecond: number,
    readonly burst = perSecond,
    start = performance.now(),
  ) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new RangeError('TokenBucket needs perSecond > 0 and burst >= 1');
    this.#tokens = burst;
    this.#last = start;
  }

  /** Takes a token: returns 0 when granted, else the milliseconds until one will be available. */
  take(now = performance.now()): number {
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.perSecond) / 1000);
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return ((1 - this.#tokens) * 1000) / this.perSecond;
  }
}

/** Retry-After is whole seconds, and never 0: a client told "retry after 0" would hammer the fake. */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}

export type ForcedAnswer =
  | { kind: 'fail'; status: number }
  | { kind: 'rateLimit'; retryAfterSeconds: number }
  | { kind: 'timeout'; onHeld: () => void }
  /** The request is processed (a create goes through) but its answer never leaves: the client times out not knowing. */
  | { kind: 'lostAnswer' };

/**
 * Random faults on every request, as an unreliable marketplace gives them: a share of 5xx, a share of requests that
 * time out (half of them held unanswered before any effect, half processed with the answer lost), and bursts of
 * consecutive 429s. Drawn from a seeded generator, so a run can be replayed; scripted answers (`failNext`…) go first.
 */
export interface ChaosProfile {
  /** Share of requests answered with a 5xx (one of `errorStatuses`, default 500, 502, 503). */
  errorRate?: number;
  errorStatuses?: number[];
  /** Share of requests never answered (the client's timeout decides). */
  timeoutRate?: number;
  /** A burst of `length` consecutive 429s starts on a request with probability `probability`. */
  rateLimitBursts?: { probability: number; length: number; retryAfterSeconds?: number };
  /** Seed of the generator (default 1). */
  seed?: number;
}

/** What the fake did to the requests it received, forced or drawn. */
export interface FaultStats {
  /** Every request that reached the fake, whatever happened to it next. */
  arrivals: number;
  /** Most arrivals within any 1-second span: what the client really sent, faults and 429s included. */
  maxArrivalsPerSecond: number;
  errors: number;
  timeouts: number;
  lostAnswers: number;
  rateLimited: number;
}

/** What a test can script on a fake. */
export interface FaultControls {
  /** Delay added before every answer (forced or not). */
  delayMs: number;
  /** The next `n` requests answer `status` with the fake's error body. */
  failNext(n: number, status?: number): void;
  /** The next `n` requests answer 429 with `Retry-After: retryAfterSeconds` (default 1). */
  rateLimitNext(n: number, retryAfterSeconds?: number): void;
  /** The next `n` requests are read but never answered (until `close()` drops them). The promise resolves once all
   * `n` are being held, so a test can wait for that instead of sleeping. */
  timeoutNext(n: number): Promise<void>;
  /** Random faults on every request from now on (see `ChaosProfile`); `undefined` stops them. */
  chaos(profile: ChaosProfile | undefined): void;
  /** Counts of what was injected, and the arrival rate the fake saw. */
  readonly stats: FaultStats;
}

/** Faults scripted by a test. Forced answers are queued in the order they were asked for and each one is used by
 * exactly one incoming request, before authentication, on any route. */
export class Faults implements FaultControls {
  delayMs = 0;
  readonly #queue: ForcedAnswer[] = [];
  readonly #arrivals = new RequestRates();
  readonly #stats: FaultStats = { arrivals: 0, maxArrivalsPerSecond: 0, errors: 0, timeouts: 0, lostAnswers: 0, rateLimited: 0 };
  #chaos: Required<Omit<ChaosProfile, 'rateLimitBursts' | 'seed'>> & Pick<ChaosProfile, 'rateLimitBursts'> & { random: () => number; burstLeft: number } | undefined;

  constructor(private readonly defaultFailStatus: number) {}

  get stats(): FaultStats {
    return { ...this.#stats, maxArrivalsPerSecond: this.#arrivals.maxPerSecond };
  }

  chaos(profile: ChaosProfile | undefined): void {
    this.#chaos = profile && {
      errorRate: profile.errorRate ?? 0,
      errorStatuses: profile.errorStatuses ?? [500, 502, 503],
      timeoutRate: profile.timeoutRate ?? 0,
      rateLimitBursts: profile.rateLimitBursts,
      random: mulberry32(profile.seed ?? 1),
      burstLeft: 0,
    };
  }

  /** The answer the chaos profile draws for one request, if any. */
  #draw(): ForcedAnswer | undefined {
    const c = this.#chaos;
    if (!c) return undefined;
    const bursts = c.rateLimitBursts;
    if (bursts && c.burstLeft === 0 && c.random() < bursts.probability) c.burstLeft = bursts.length;
    if (bursts && c.burstLeft > 0) {
      c.burstLeft--;
      return { kind: 'rateLimit', retryAfterSeconds: bursts.retryAfterSeconds ?? 1 };
    }
    const r = c.random();
    if (r < c.errorRate) return { kind: 'fail', status: c.errorStatuses[Math.floor(c.random() * c.errorStatuses.length)]! };
    if (r < c.errorRate + c.timeoutRate) return c.random() < 0.5 ? { kind: 'timeout', onHeld: () => undefined } : { kind: 'lostAnswer' };
    return undefined;
  }

  failNext(n: number, status = this.defaultFailStatus): void {
    for (let i = 0; i < n; i++) this.#queue.push({ kind: 'fail', status });
  }

  rateLimitNext(n: number, retryAfterSeconds = 1): void {
    for (let i = 0; i < n; i++) this.#queue.push({ kind: 'rateLimit', retryAfterSeconds });
  }

  timeoutNext(n: number): Promise<void> {
    if (n <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      let held = 0;
      const onHeld = () => {
        if (++held === n) resolve();
      };
      for (let i = 0; i < n; i++) this.#queue.push({ kind: 'timeout', onHeld });
    });
  }

  /** Called once per request by the fake: waits `delayMs`, then returns the forced answer, if any. */
  async next(signal: AbortSignal): Promise<ForcedAnswer | undefined> {
    this.#stats.arrivals++;
    this.#arrivals.record();
    if (this.delayMs > 0) await sleep(this.delayMs, undefined, { signal });
    const forced = this.#queue.shift() ?? this.#draw();
    if (forced?.kind === 'timeout') forced.onHeld();
    if (forced?.kind === 'fail') this.#stats.errors++;
    else if (forced?.kind === 'timeout') this.#stats.timeouts++;
    else if (forced?.kind === 'lostAnswer') this.#stats.lostAnswers++;
    else if (forced?.kind === 'rateLimit') this.#stats.rateLimited++;
    return forced;
  }
}

/** Small seeded PRNG (mulberry32): reproducible fault sequences (and test data) without a dependency. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lets the handler run but never sends its answer (a `lostAnswer` fault): the socket stays open until the client
 * gives up or the fake closes. */
export function loseAnswer(res: ServerResponse): void {
  res.writeHead = (() => res) as never;
  res.write = (() => true) as never;
  res.end = (() => res) as never;
}

/** The route whose method and path (anchored regex; capture groups become `params`) match, if any. */
export function findRoute<R extends { method: string; path: RegExp }>(
  routes: readonly R[],
  method: string | undefined,
  pathname: string,
): { route: R; params: string[] } | undefined {
  for (const route of routes) {
    const m = route.method === method ? route.path.exec(pathname) : null;
    if (m) return { route, params: m.slice(1).map((p) => decodeURIComponent(p ?? '')) };
  }
  return undefined;
}

/** A stable 32-bit hash, for deterministic "random" data (seeded catalogs, ids). */
export function hash32(...parts: (string | number)[]): number {
  let h = 0x811c9dc5; // FNV-1a
  for (const ch of parts.join('\u0000')) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16; // final avalanche so that consecutive ids spread over the whole range
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** `"Tênis de Corrida"` → `"tenis-de-corrida"`, for URLs that look like the real ones. */
export function slugify(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Fixed-window limiter (see `WindowLimit` for the sliding one): at most `limit` requests per window of `windowMs` (windows start at the first request after
 * the previous one ended). For APIs that document "N per second/minute, then wait for the next window" (SkyHub,
 * Netshoes plans), which a token bucket would model as a smoother limit than the real one. */
export class WindowLimiter {
  #windowStart = Number.NEGATIVE_INFINITY;
  #used = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!(limit >= 1) || !(windowMs > 0)) throw new RangeError('WindowLimiter needs limit >= 1 and windowMs > 0');
  }

  /** Counts a request: 0 when allowed, else the milliseconds until the current window ends. */
  take(now = performance.now()): number {
    if (now >= this.#windowStart + this.windowMs) {
      this.#windowStart = now;
      this.#used = 0;
    }
    if (this.#used < this.limit) {
      this.#used++;
      return 0;
    }
    return this.#windowStart + this.windowMs - now;
  }
}

/** The most requests seen within any 1-second and any 60-second span, for the `maxObservedPer…` counters. */
export class RequestRates {
  readonly #second: number[] = [];
  readonly #minute: number[] = [];
  maxPerSecond = 0;
  maxPerMinute = 0;

  record(now = performance.now()): void {
    this.maxPerSecond = Math.max(this.maxPerSecond, RequestRates.#push(this.#second, now, 1000));
    this.maxPerMinute = Math.max(this.maxPerMinute, RequestRates.#push(this.#minute, now, 60_000));
  }

  reset(): void {
    this.#second.length = 0;
    this.#minute.length = 0;
    this.maxPerSecond = this.maxPerMinute = 0;
  }

  static #push(times: number[], now: number, spanMs: number): number {
    times.push(now);
    while (times[0]! <= now - spanMs) times.shift();
    return times.length;
  }
}

/** GTIN-8/12/13/14 (EAN, UPC, ISBN-13) with a correct check digit: weights 3,1,3,… from the right, excluding the
 * check digit. */
export function isValidGtin(code: string): boolean {
  if (!/^(\d{8}|\d{12,14})$/.test(code)) return false;
  const digits = [...code].map(Number);
  const check = digits.pop()!;
  const sum = digits.reverse().reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
}

/** ISBN-10 with a correct mod-11 check character (0-9 or X). */
export function isValidIsbn10(code: string): boolean {
  if (!/^\d{9}[\dX]$/.test(code)) return false;
  const sum = [...code].reduce((acc, ch, i) => acc + (ch === 'X' ? 10 : Number(ch)) * (10 - i), 0);
  return sum % 11 === 0;
}

/** Reads the whole body as bytes (uploads, multipart); past `limit` bytes the rest is drained and the request fails
 * with 413, as `readBody` does. */
export async function readBuffer(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw new HttpError(413, `Request body larger than ${limit} bytes`);
  return Buffer.concat(chunks);
}

/** A non-JSON answer (CSV reports, XML, S3-style errors). */
export function sendText(res: ServerResponse, status: number, body: string | Buffer, contentType: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, ...headers });
  res.end(body);
}

export interface FakeClockOptions {
  /** Marketplace milliseconds that pass per real millisecond: 1 = real time (default), 60 = one marketplace minute per
   * real second, 0 = frozen (only `advance()` moves it, so a test needs no sleeps at all). */
  timeScale?: number;
  /** Marketplace time when the clock is created; default: the real time then. */
  startAt?: Date | number;
}

interface ScheduledEvent {
  at: number;
  seq: number;
  run: (at: number) => void;
}

/**
 * The marketplace's own clock: lifecycles (queued → processing → done), import-frequency windows, token expiry and
 * rate limits of a fake all run on it, so a test or a benchmark can scale a marketplace minute down to a real second
 * (or freeze time and `advance()` it) while each plugin's manifest keeps the marketplace's true limits.
 *
 * Transitions are scheduled events that run lazily, in time order, whenever the fake is touched (`settle()`): each
 * request and each test helper settles first, so nothing depends on timers firing and every run is deterministic.
 */
export class FakeClock {
  readonly timeScale: number;
  readonly #realStart = performance.now();
  readonly #start: number;
  #advancedMs = 0;
  #seq = 0;
  #settling = false;
  readonly #events: ScheduledEvent[] = [];

  constructor(opts: FakeClockOptions = {}) {
    const scale = opts.timeScale ?? 1;
    if (!(Number.isFinite(scale) && scale >= 0)) throw new RangeError(`FakeClock timeScale must be a number >= 0 (got ${scale})`);
    this.timeScale = scale;
    this.#start = opts.startAt === undefined ? Date.now() : new Date(opts.startAt).getTime();
  }

  /** Marketplace time, ms since the epoch. */
  now(): number {
    return this.#start + (performance.now() - this.#realStart) * this.timeScale + this.#advancedMs;
  }

  date(): Date {
    return new Date(this.now());
  }

  /** Moves marketplace time forward by `ms` and runs every transition that became due. */
  advance(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`FakeClock.advance needs ms >= 0 (got ${ms})`);
    this.#advancedMs += ms;
    this.settle();
  }

  /** Runs `run(at)` once marketplace time reaches `at` (at the next `settle()` after that). */
  schedule(at: number, run: (at: number) => void): void {
    this.#events.push({ at, seq: this.#seq++, run });
  }

  /** `schedule()` relative to now. */
  after(delayMs: number, run: (at: number) => void): number {
    const at = this.now() + Math.max(0, delayMs);
    this.schedule(at, run);
    return at;
  }

  /** Runs every due event in time order (events scheduled by a running event run too, if due); returns how many ran. */
  settle(): number {
    if (this.#settling) return 0; // an event touching the fake must not re-enter
    this.#settling = true;
    let ran = 0;
    try {
      for (;;) {
        const now = this.now();
        let next = -1;
        for (let i = 0; i < this.#events.length; i++) {
          const e = this.#events[i]!;
          if (e.at <= now && (next < 0 || e.at < this.#events[next]!.at || (e.at === this.#events[next]!.at && e.seq < this.#events[next]!.seq))) next = i;
        }
        if (next < 0) return ran;
        const [event] = this.#events.splice(next, 1);
        event!.run(event!.at);
        ran++;
      }
    } finally {
      this.#settling = false;
    }
  }

  /** Events not yet due. */
  get pendingEvents(): number {
    return this.#events.length;
  }

  /** The real milliseconds a marketplace duration takes at this scale (Infinity when frozen). */
  realMs(marketplaceMs: number): number {
    return this.timeScale === 0 ? Infinity : marketplaceMs / this.timeScale;
  }

  /** Retry-After for a wait of `marketplaceMs`: whole real seconds (at least 1); marketplace seconds when frozen, since
   * the test drives time itself then. */
  retryAfterSeconds(marketplaceMs: number): number {
    return retryAfterSeconds(this.timeScale === 0 ? marketplaceMs : this.realMs(marketplaceMs));
  }

  /** The scale, for printing with every figure measured against a fake. */
  describe(): string {
    if (this.timeScale === 0) return 'timeScale=0 (frozen: marketplace time moves only with advance())';
    const realSecondsPerMinute = 60 / this.timeScale;
    return `timeScale=${this.timeScale} (1 marketplace minute = ${Number(realSecondsPerMinute.toPrecision(4))} real s)`;
  }
}

/** At most `max` events within any `windowMs` (a sliding log), e.g. "5 feed submissions per 5 minutes" or "one import
 * a minute". Times are the caller's clock (a FakeClock's marketplace time). */
export class WindowLimit {
  readonly #times: number[] = [];

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {
    if (!(max >= 1 && windowMs > 0)) throw new RangeError('WindowLimit needs max >= 1 and windowMs > 0');
  }

  /** Records an event at `now` and returns 0 when allowed; otherwise records nothing and returns the ms until one is. */
  take(now: number): number {
    while (this.#times.length > 0 && this.#times[0]! <= now - this.windowMs) this.#times.shift();
    if (this.#times.length < this.max) {
      this.#times.push(now);
      return 0;
    }
    return this.#times[0]! + this.windowMs - now;
  }

  reset(): void {
    this.#times.length = 0;
  }
}

/** Parses a `multipart/form-data` body with the WHATWG FormData parser built into Node (undici), so no multipart
 * library is needed; anything else is a 400 (or 415 when the content type is not multipart). */
export async function readMultipart(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<FormData> {
  const contentType = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;\s*boundary=/i.test(contentType)) {
    await readBuffer(req, limit).catch(() => undefined);
    throw new HttpError(415, `Expected a multipart/form-data body (got content type "${contentType || 'none'}")`);
  }
  const body = await readBuffer(req, limit);
  try {
    return await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new HttpError(400, 'Malformed multipart/form-data body');
  }
}

/**
 * What every marketplace fake shares around its own routes: the server started by the fake's static `start()` (`url`,
 * `close()`), the scripted faults a test drives (`faults`) and the counters it reads (`counters`, `resetCounters()`).
 * Each fake keeps its own routes, auth, limits and error shapes; this holds only what is the same for all of them.
 */
export abstract class FakeServerBase<C extends object> {
  /** What the fake counted; `resetCounters()` zeroes the numbers and empties the maps. */
  abstract readonly counters: C;
  readonly #faults: Faults;
  readonly faults: FaultControls;
  readonly #rates = new RequestRates();
  #server: Listening | undefined;

  /** `defaultFailStatus`: what `faults.failNext(n)` answers when the test names no status. */
  protected constructor(defaultFailStatus: number) {
    this.faults = this.#faults = new Faults(defaultFailStatus);
  }

  /** `http://host:port` of the running fake (it stands in for the marketplace's base URL). */
  get url(): string {
    return this.listening.url;
  }

  close(): Promise<void> {
    return this.listening.close();
  }

  resetCounters(): void {
    const counters = this.counters as Record<string, unknown>;
    for (const [key, value] of Object.entries(counters)) {
      if (value instanceof Map) value.clear();
      else if (typeof value === 'number') counters[key] = 0;
    }
    this.#rates.reset();
  }

  /** Starts serving; called once by the fake's static `start()`. */
  protected async serve(handler: Handler, opts: ListenOptions): Promise<void> {
    this.#server = await listen(handler, opts);
  }

  protected get listening(): Listening {
    if (!this.#server) throw new Error(`${this.constructor.name} is not started: use ${this.constructor.name}.start()`);
    return this.#server;
  }

  /** Plays the fault a test scripted for this request, if any, after `faults.delayMs`: throws the fake's own failure
   * or 429 answer, or returns false when the request is to be held unanswered (`close()` drops it). */
  protected async playFaults(answers: { fail: (status: number) => Error; rateLimit: (retryAfterSeconds: number) => Error }, res?: ServerResponse): Promise<boolean> {
    const forced = await this.#faults.next(this.listening.signal);
    if (forced?.kind === 'timeout') return false;
    if (forced?.kind === 'lostAnswer') {
      // Fakes that pass `res` process the request and lose the answer; the others hold it unanswered.
      if (!res) return false;
      loseAnswer(res);
      return true;
    }
    if (forced?.kind === 'fail') throw answers.fail(forced.status);
    if (forced?.kind === 'rateLimit') throw answers.rateLimit(forced.retryAfterSeconds);
    return true;
  }

  /** Records a request let through the rate limit in the `maxObservedPer…` counters. */
  protected observeRate(this: FakeServerBase<ObservedRates>, now: number): void {
    this.#rates.record(now);
    this.counters.maxObservedPerSecond = this.#rates.maxPerSecond;
    this.counters.maxObservedPerMinute = this.#rates.maxPerMinute;
  }

  /** Runs a route handler, counting in `rejected` the answers the marketplace documents as refusals. */
  protected async countingRejections(this: FakeServerBase<{ rejected: number }>, statuses: readonly number[], run: () => Promise<void> | void): Promise<void> {
    try {
      await run();
    } catch (err) {
      if (err instanceof HttpError && statuses.includes(err.status)) this.counters.rejected++;
      throw err;
    }
  }
}

export interface ObservedRates {
  /** Most requests let through within any 1-second / 60-second span. */
  maxObservedPerSecond: number;
  maxObservedPerMinute: number;
}

/** The counters of the fakes of item APIs (Magalu, Netshoes, SkyHub, Casas Bahia); each adds its own. */
export interface ItemCounters extends ObservedRates {
  /** Every request received, whatever its outcome. */
  requests: number;
  creates: number;
  updates: number;
  priceUpdates: number;
  stockUpdates: number;
  deactivations: number;
  gets: number;
  /** Answers the marketplace documents as refusals (400/404/422, per fake). */
  rejected: number;
  rateLimited: number;
  unauthorized: number;
}

/** Zeroed `ItemCounters` plus the fake's own `extra` counters. */
export function itemCounters<E extends Record<string, number>>(extra: E): ItemCounters & E {
  return {
    requests: 0,
    creates: 0,
    updates: 0,
    priceUpdates: 0,
    stockUpdates: 0,
    deactivations: 0,
    gets: 0,
    rejected: 0,
    rateLimited: 0,
    unauthorized: 0,
    maxObservedPerSecond: 0,
    maxObservedPerMinute: 0,
    ...extra,
  };
}

/** The parameters of an OAuth token request: the query, overridden by the body as JSON (when the content type says
 * so) or as a form, since public clients send both. A malformed JSON body throws `malformed()`, the fake's own error. */
export async function readOAuthParams(req: IncomingMessage, url: URL, malformed: () => Error): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (/json/i.test(req.headers['content-type'] ?? '')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw malformed();
    }
    if (isObject(json)) Object.assign(params, json);
  } else Object.assign(params, Object.fromEntries(new URLSearchParams(text)));
  return params;
}
