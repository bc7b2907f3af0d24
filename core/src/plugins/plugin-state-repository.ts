import type { Database } from '../database/database.js';
import { Errors } from '../errors/errors.js';
import type { IntegrationRef } from './activation.js';
import type { StateCall } from './rpc/protocol.js';

export const STATE_LIMITS = { keyLength: 256, valueBytes: 256 * 1024, maxTtlSeconds: 365 * 24 * 3600 } as const;

/**
 * ctx.state: plugin-scoped key/value in Postgres, one key space per plugin and integration, so a
 * plugin's state for one store is never visible to another store's activation. Expired entries read
 * as absent and are swept on write.
 */
export class PluginStateRepository {
  /** Reads asked for in this event-loop turn, per integration: key → waiters. */
  private reads = new Map<string, { ref: IntegrationRef; keys: Map<string, Array<{ resolve: (v: unknown) => void; reject: (e: unknown) => void }>> }>();
  private readScheduled = false;

  constructor(private readonly db: Database) {}

  /** Runs one validated ctx.state call. */
  async run(plugin: string, ref: IntegrationRef, call: StateCall): Promise<unknown> {
    switch (call.op) {
      case 'get':
        return this.get(ref, checkKey(plugin, call.key));
      case 'set':
        return this.set(plugin, ref, checkKey(plugin, call.key), call.value, call.ttlSeconds);
      case 'delete':
        return this.delete(ref, checkKey(plugin, call.key));
      case 'keys':
        return this.keys(ref, call.prefix ?? '');
    }
  }

  /**
   * Batched, not cached: the gets asked for in one event-loop turn (a plugin reading its token before
   * each of many concurrent calls) go to the database together, in one query per integration sent
   * after all of them were asked — so each still sees every write committed before it asked.
   */
  get(ref: IntegrationRef, key: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = `${ref.marketplace}\0${ref.store}`;
      let pending = this.reads.get(id);
      if (!pending) this.reads.set(id, (pending = { ref, keys: new Map() }));
      const waiters = pending.keys.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else pending.keys.set(key, [{ resolve, reject }]);
      if (!this.readScheduled) {
        this.readScheduled = true;
        setImmediate(() => void this.readBatched());
      }
    });
  }

  private async readBatched(): Promise<void> {
    this.readScheduled = false;
    const reads = this.reads;
    this.reads = new Map();
    for (const { ref, keys } of reads.values()) {
      try {
        const rows = await this.db.query<{ key: string; value: unknown }>(
          `select key, value from plugin_state where marketplace = $1 and store = $2 and key = any($3::text[]) and (expires_at is null or expires_at > now())`,
          [ref.marketplace, ref.store, [...keys.keys()]],
        );
        const values = new Map(rows.map((r) => [r.key, r.value]));
        for (const [key, waiters] of keys) for (const w of waiters) w.resolve(values.get(key));
      } catch (error) {
        for (const waiters of keys.values()) for (const w of waiters) w.reject(error);
      }
    }
  }

  async set(plugin: string, ref: IntegrationRef, key: string, value: unknown, ttlSeconds?: number): Promise<void> {
    const json = checkStateValue(plugin, key, value, ttlSeconds);
    await this.db.query(
      `insert into plugin_state (marketplace, store, key, value, expires_at, updated_at)
       values ($1, $2, $3, $4::jsonb, case when $5::float8 is null then null else now() + make_interval(secs => $5::float8) end, now())
       on conflict (marketplace, store, key) do update set value = excluded.value, expires_at = excluded.expires_at, updated_at = now()`,
      [ref.marketplace, ref.store, key, json, ttlSeconds ?? null],
    );
  }

  async delete(ref: IntegrationRef, key: string): Promise<boolean> {
    const rows = await this.db.query<{ key: string; live: boolean }>(
      `delete from plugin_state where marketplace = $1 and store = $2 and key = $3
       returning key, (expires_at is null or expires_at > now()) as live`,
      [ref.marketplace, ref.store, key],
    );
    return rows.some((r) => r.live);
  }

  async keys(ref: IntegrationRef, prefix: string): Promise<string[]> {
    const rows = await this.db.query<{ key: string }>(
      `select key from plugin_state where marketplace = $1 and store = $2 and starts_with(key, $3)
         and (expires_at is null or expires_at > now()) order by key`,
      [ref.marketplace, ref.store, prefix],
    );
    return rows.map((r) => r.key);
  }
}

/** A value ctx.state.set may store (defined, JSON, within the size limit) with a sane TTL; returns its JSON. */
export function checkStateValue(plugin: string, key: string, value: unknown, ttlSeconds?: number): string {
  if (value === undefined) throw Errors.pluginMessageInvalid(plugin, 'ctx.state.set', `value of "${key}" is undefined; use delete() to remove a key`);
  const json = JSON.stringify(value);
  if (Buffer.byteLength(json) > STATE_LIMITS.valueBytes) {
    throw Errors.pluginMessageInvalid(plugin, 'ctx.state.set', `value of "${key}" is ${Buffer.byteLength(json)} bytes; the limit is ${STATE_LIMITS.valueBytes}`);
  }
  if (ttlSeconds !== undefined && !(Number.isFinite(ttlSeconds) && ttlSeconds > 0 && ttlSeconds <= STATE_LIMITS.maxTtlSeconds)) {
    throw Errors.pluginMessageInvalid(plugin, 'ctx.state.set', `ttlSeconds must be between 1 and ${STATE_LIMITS.maxTtlSeconds}`);
  }
  return json;
}

export function checkKey(plugin: string, key: string): string {
  if (key.length === 0 || key.length > STATE_LIMITS.keyLength) {
    throw Errors.pluginMessageInvalid(plugin, 'ctx.state', `keys are 1 to ${STATE_LIMITS.keyLength} characters (got ${key.length})`);
  }
  return key;
}
