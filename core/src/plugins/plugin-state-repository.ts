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

  async get(ref: IntegrationRef, key: string): Promise<unknown> {
    const [row] = await this.db.query<{ value: unknown }>(
      `select value from plugin_state where marketplace = $1 and store = $2 and key = $3 and (expires_at is null or expires_at > now())`,
      [ref.marketplace, ref.store, key],
    );
    return row?.value;
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
