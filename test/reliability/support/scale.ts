import { appendFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/**
 * The size the reliability scenarios run at. CI runs them reduced (≤ 500 SKUs, so both database passes stay
 * within minutes); `npm run bench:reliability` runs the very same test files at full size
 * (CONNECTOR_RELIABILITY_SCALE=full) and collects what each scenario records.
 */
export const FULL = process.env.CONNECTOR_RELIABILITY_SCALE === 'full';

export const SCALE = {
  /** SKUs of the crash, faulty-marketplace, database-restart, two-process and out-of-order scenarios. */
  skus: FULL ? 5000 : 300,
  /** Generated webhook payloads of the bad-input scenario. */
  payloads: FULL ? 10_000 : 2_000,
  /** SKUs of the faulty-marketplace scenario in CI (its marketplaces' rate limits set its pace). */
  faultySkus: FULL ? 5000 : 200,
  /** SKUs of the faulty-plugin scenario (its healthy marketplace is paced by the marketplace's latency). */
  pluginSkus: FULL ? 600 : 150,
};

/** The scale in force, for figures and test names. */
export const scaleName = FULL ? 'full' : 'ci';

/** Room for a scenario on a loaded 2-core machine: proportional to its size. */
export function budgetMs(baseMs: number, perSkuMs = 0, skus = SCALE.skus): number {
  return baseMs + perSkuMs * skus;
}

/**
 * A scenario's figures: printed as one JSON line, and appended to CONNECTOR_RELIABILITY_FIGURES (a JSON-lines
 * file) when the bench asked for them.
 */
export function recordFigures(scenario: string, figures: Record<string, unknown>): void {
  const line = JSON.stringify({
    scenario,
    scale: scaleName,
    database: process.env.DATABASE_URL ? 'postgres' : 'pglite',
    at: new Date().toISOString(),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    ...figures,
  });
  console.log(line);
  if (process.env.CONNECTOR_RELIABILITY_FIGURES) appendFileSync(process.env.CONNECTOR_RELIABILITY_FIGURES, `${line}\n`);
}

/** The machine, for the report. */
export function machine() {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version };
}
