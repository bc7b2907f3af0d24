import type { PgBoss } from 'pg-boss';
import type { Database } from '../database/database.js';

export interface ReadinessCheck {
  name: 'database' | 'queue';
  ok: boolean;
  /** How long the check took (or until it was given up). */
  ms: number;
  /** Why it failed; never a connection string or a secret, only the driver's message. */
  error?: string;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

/** A probe that hangs (a half-open TCP connection to a database that went away) must not hang /ready. */
export const READINESS_TIMEOUT_MS = 2_000;

/**
 * Readiness of a runtime: the database answers (`select 1` through the connector's own pool) and the
 * queue answers (pg-boss's schema, through pg-boss's own connections). Both are probed on every call —
 * nothing is cached — so readiness turns false while the database is down and true again once the pools
 * have reconnected, with no operator action.
 */
export async function checkReadiness(db: Database, boss: PgBoss, timeoutMs = READINESS_TIMEOUT_MS): Promise<Readiness> {
  const checks = await Promise.all([
    probe('database', timeoutMs, () => db.ping()),
    probe('queue', timeoutMs, async () => {
      if (!(await boss.isInstalled())) throw new Error(`the queue schema ${db.bossSchema} is missing`);
    }),
  ]);
  return { ready: checks.every((c) => c.ok), checks };
}

async function probe(name: ReadinessCheck['name'], timeoutMs: number, run: () => Promise<void>): Promise<ReadinessCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name, ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { name, ok: false, ms: Math.round(performance.now() - started), error: (error as Error).message || String(error) };
  } finally {
    clearTimeout(timer);
  }
}
