/**
 * `@connector/core/testing`: what plugin authors test with. `createTestHost` runs a plugin through the
 * core's real pipeline (mapping, rules, policies, delivery or lots, 429 and auth handling, retries)
 * in-process, on in-memory storage and a virtual clock — no Postgres, no worker thread. The plugin's
 * own fake of its marketplace stands in for the network.
 */
import 'reflect-metadata';

export { createTestHost, type MappedSku, type RunReport, type SyncReport, type TestHost, type TestHostOptions } from './test-host.js';
export { TestClock } from './clock.js';
export { vtexSnapshot, type SnapshotInput } from './snapshot.js';
export type { HandlerCall, PluginEntry } from './in-process.js';
export { lintPlugin, lintManifest, type LintReport } from '../plugins/lint/lint.js';
export { LINT_RULES, type Finding, type RuleId } from '../plugins/lint/rules.js';
export type { SkuSnapshot, VtexOffer, VtexProduct, VtexSkuAndContext } from '../vtex/types.js';
export type { SkuState, SkuStatus } from '../state/state-repository.js';
export type { OperationLogEntry } from '../oplog/operation-log.js';
export type { LotItemRow, LotRow } from '../delivery/lots/lot-repository.js';
