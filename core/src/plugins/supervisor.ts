import { Errors } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import type { HandlerMethod } from '../plugin-api/index.js';
import { integrationKey } from './activation.js';
import type { ContextServices, IntegrationBinding } from './context-services.js';
import { spawnHost, type ExitInfo, type HostProcess } from './isolation/spawn.js';
import type { DiscoveredPlugin, IsolationMode } from './manifest.js';
import { CrashBudget, type Strike, type StrikeKind } from './quarantine.js';
import { checkCall, deserializeError, fail, isEnvelope, isHandlerMethod, ok, plainDataProblem } from './rpc/boundary.js';
import { createChannel, type Channel } from './rpc/channel.js';
import type { CoreSideFunctions, PluginSideFunctions, ReadyInfo } from './rpc/protocol.js';
import { RESULT_CHECKS } from './rpc/results.js';

export interface HostLimits {
  /** Old-generation heap of one plugin host (worker resourceLimits / --max-old-space-size). */
  memoryLimitMb: number;
  /** From spawn to the host saying it is ready. */
  startupTimeoutMs: number;
  /** A call not acknowledged this long after it was sent means the host's event loop is blocked. */
  ackTimeoutMs: number;
  /** A handler call that has not answered by then is abandoned and the host restarted. */
  callTimeoutMs: number;
  activationTimeoutMs: number;
  /** How long shutdown waits for in-flight calls, then for deactivate() and the disposables. */
  deactivateTimeoutMs: number;
  /** Strikes (crash, out-of-memory, hang, failed activation) allowed within the window before quarantine. */
  crashBudget: { max: number; windowMs: number };
  /** Wait before restarting after a crash, doubling with each recent strike, so a crash loop cannot hog the core. */
  restartBackoff: { initialMs: number; maxMs: number };
  /** CPU niceness of plugin hosts (0 = the core's priority, 19 = lowest). */
  niceness: number;
}

export const DEFAULT_HOST_LIMITS: HostLimits = {
  memoryLimitMb: 256,
  startupTimeoutMs: 15_000,
  ackTimeoutMs: 5_000,
  callTimeoutMs: 60_000,
  activationTimeoutMs: 30_000,
  deactivateTimeoutMs: 5_000,
  crashBudget: { max: 3, windowMs: 5 * 60_000 },
  restartBackoff: { initialMs: 100, maxMs: 5_000 },
  niceness: 19,
};

/** Codes a plugin may throw on purpose (or relay from ctx); any other code is kept as a plain error. */
export const PLUGIN_ERROR_CODES: ReadonlySet<string> = new Set([
  Errors.marketplaceRejected.code,
  Errors.marketplaceUnavailable.code,
  Errors.marketplaceAuth.code,
  Errors.marketplaceRateLimited.code,
  Errors.pluginHostNotAllowed.code,
  Errors.pluginMessageInvalid.code,
  Errors.pluginHandlerMissing.code,
  Errors.deliveryDeferred.code,
]);

export type SupervisorState = 'idle' | 'starting' | 'running' | 'crashed' | 'quarantined' | 'stopping' | 'stopped';

export interface SupervisorStatus {
  state: SupervisorState;
  isolation: IsolationMode;
  /** The live host: thread id for a worker, pid for a process. */
  host?: { pid: number; threadId?: number; generation: number; since: string };
  /** Hosts started since the runtime started (the first one included). */
  starts: number;
  restarts: number;
  inFlight: number;
  activeIntegrations: string[];
  strikes: Strike[];
  lastExit?: { at: string; kind: StrikeKind | 'stopped'; reason: string };
  quarantine?: { reason: string; since: string };
}

interface PendingCall {
  method: HandlerMethod;
  reject(error: Error): void;
  ackTimer?: NodeJS.Timeout;
  callTimer: NodeJS.Timeout;
}

/** One running host and everything bound to it; a restart makes a new generation. */
interface Generation {
  id: number;
  host: HostProcess;
  rpc: Channel<PluginSideFunctions, CoreSideFunctions>;
  since: string;
  ready?: ReadyInfo;
  bindings: Map<string, IntegrationBinding>;
  activations: Map<string, Promise<HandlerMethod[]>>;
  /** Integrations whose activate() has completed. */
  activated: Set<string>;
  pending: Map<number, PendingCall>;
  /** Recent stderr, to tell an out-of-memory abort of a child process from other crashes. */
  stderrTail: string[];
  /** Liveness check while calls are in flight (a handler may block the loop after acknowledging). */
  watchdog?: NodeJS.Timeout;
  dead: boolean;
}

export interface SupervisorEvents {
  quarantined(reason: string, strikes: Strike[], since: string): void;
}

/**
 * Runs one plugin in its own extension host and keeps it honest: lazy start, per-integration
 * activation, calls with an acknowledgement timeout and a per-call timeout, and a restart after a
 * crash, out-of-memory or hang — with in-flight calls failed as retryable so their jobs run again.
 * After the crash budget is spent the plugin is quarantined: no more hosts until it is released.
 */
export class PluginSupervisor {
  private stateValue: SupervisorState = 'idle';
  private generation?: Generation;
  private starting?: Promise<Generation>;
  private generations = 0;
  private callSeq = 0;
  private readonly budget: CrashBudget;
  private quarantine?: { reason: string; since: string };
  private lastExit?: SupervisorStatus['lastExit'];
  private readonly drainWaiters = new Set<() => void>();

  constructor(
    readonly plugin: DiscoveredPlugin,
    private readonly limits: HostLimits,
    private readonly services: ContextServices,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly env: Record<string, string>,
    private readonly events: SupervisorEvents,
  ) {
    this.budget = new CrashBudget(limits.crashBudget.max, limits.crashBudget.windowMs, now);
  }

  get label(): string {
    return `${this.plugin.manifest.name}@${this.plugin.manifest.version}`;
  }

  get state(): SupervisorState {
    return this.stateValue;
  }

  get isolation(): IsolationMode {
    return this.plugin.manifest.isolation ?? 'worker';
  }

  /** Activates the integration (starting the host if needed); the handlers it provides. */
  async activate(binding: IntegrationBinding): Promise<HandlerMethod[]> {
    this.assertUsable();
    const generation = await this.ensureRunning();
    return this.ensureActivated(generation, binding);
  }

  /** Calls a handler of the integration's activation; every failure is a typed error. */
  async call(binding: IntegrationBinding, name: string, args: unknown[]): Promise<unknown> {
    const method = checkCall(this.label, name, args);
    this.assertUsable();
    const generation = await this.ensureRunning();
    const methods = await this.ensureActivated(generation, binding);
    if (!methods.includes(method)) throw Errors.pluginHandlerMissing(this.label, method);
    return this.invoke(generation, binding, method, args);
  }

  private assertUsable() {
    if (this.quarantine) throw Errors.pluginQuarantined(this.label, this.quarantine.reason);
    if (this.stateValue === 'stopping' || this.stateValue === 'stopped') throw Errors.pluginCrashed(this.label, 'the runtime is shutting down');
  }

  // ---------------------------------------------------------------------------------------------
  // Host lifecycle
  // ---------------------------------------------------------------------------------------------

  private ensureRunning(): Promise<Generation> {
    if (this.generation && !this.generation.dead) return Promise.resolve(this.generation);
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async start(): Promise<Generation> {
    await this.restartBackoff();
    if (this.quarantine) throw Errors.pluginQuarantined(this.label, this.quarantine.reason);
    const id = ++this.generations;
    this.stateValue = 'starting';
    const { manifest, dir } = this.plugin;
    const host = spawnHost({
      init: { plugin: this.label, dir, main: manifest.main, isolation: this.isolation, niceness: this.limits.niceness },
      memoryLimitMb: this.limits.memoryLimitMb,
      env: this.env,
      onOutput: (stream, line) => this.onOutput(generation, stream, line),
    });
    let markReady!: (info: ReadyInfo) => void;
    const ready = new Promise<ReadyInfo>((resolve) => (markReady = resolve));
    const generation: Generation = {
      id,
      host,
      rpc: undefined as never,
      since: new Date(this.now()).toISOString(),
      bindings: new Map(),
      activations: new Map(),
      activated: new Set(),
      pending: new Map(),
      stderrTail: [],
      dead: false,
    };
    generation.rpc = createChannel<PluginSideFunctions, CoreSideFunctions>(this.coreFunctions(generation, markReady), host.transport, {
      onProblem: (problem) => this.log.warn({ plugin: this.label, problem }, 'refused a malformed message from the plugin host'),
    });
    void host.exited.then((info) => this.onExit(generation, info));

    let timer: NodeJS.Timeout | undefined;
    try {
      generation.ready = await Promise.race([
        ready,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`not ready within ${this.limits.startupTimeoutMs} ms`)), this.limits.startupTimeoutMs);
        }),
        host.exited.then((info) => Promise.reject(new Error(describeExit(info, generation.stderrTail).reason))),
      ]);
    } catch (error) {
      this.crash(generation, 'crash', `failed to start: ${(error as Error).message}`);
      throw Errors.pluginCrashed(this.label, `failed to start: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    if (generation.dead) throw Errors.pluginCrashed(this.label, this.lastExit?.reason ?? 'stopped while starting');
    this.generation = generation;
    this.stateValue = 'running';
    this.log.info({ plugin: this.label, isolation: this.isolation, generation: id, pid: generation.ready.pid, threadId: host.threadId }, 'plugin host started');
    return generation;
  }

  /** After a host died: wait initialMs × 2^(recent strikes − 1), capped, since the last exit. */
  private async restartBackoff() {
    const strikes = this.budget.recent().length;
    if (!strikes || !this.lastExit || this.lastExit.kind === 'stopped') return;
    const { initialMs, maxMs } = this.limits.restartBackoff;
    const delay = Math.min(maxMs, initialMs * 2 ** (strikes - 1));
    const wait = Date.parse(this.lastExit.at) + delay - this.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  /** The core's side of the protocol for one generation; every argument comes from plugin code. */
  private coreFunctions(generation: Generation, markReady: (info: ReadyInfo) => void): CoreSideFunctions {
    const binding = (key: unknown): IntegrationBinding => {
      const found = typeof key === 'string' ? generation.bindings.get(key) : undefined;
      if (!found) throw Errors.pluginMessageInvalid(this.label, 'context call', `unknown integration ${String(key)}`);
      return found;
    };
    const guarded = async <T>(fn: () => T | Promise<T>) => {
      try {
        return ok(await fn());
      } catch (error) {
        return fail(error);
      }
    };
    return {
      ready: (info) => markReady(info),
      ack: (callId) => {
        const pending = generation.pending.get(callId);
        if (pending?.ackTimer) {
          clearTimeout(pending.ackTimer);
          pending.ackTimer = undefined;
        }
      },
      http: (key, operation, request) => guarded(() => this.services.http(this.label, binding(key), operation, request)),
      secret: (key, name) => guarded(() => this.services.secret(this.label, binding(key), name)),
      state: (key, call) => guarded(() => this.services.stateCall(this.label, binding(key), call)),
      log: (key, level, message, data) => {
        const found = typeof key === 'string' ? generation.bindings.get(key) : undefined;
        this.services.pluginLog(this.label, found, level, message, data, this.secretsOf(generation));
      },
    };
  }

  private secretsOf(generation: Generation): string[] {
    return [...generation.bindings.values()].flatMap((b) => Object.values(b.secrets));
  }

  private onOutput(generation: Generation, stream: 'stdout' | 'stderr', line: string) {
    if (stream === 'stderr') {
      generation.stderrTail.push(line);
      if (generation.stderrTail.length > 20) generation.stderrTail.shift();
    }
    this.services.pluginLog(this.label, undefined, stream === 'stderr' ? 'warn' : 'info', line, { stream }, this.secretsOf(generation));
  }

  private onExit(generation: Generation, info: ExitInfo) {
    if (generation.dead) return; // we stopped it on purpose (restart, quarantine, shutdown)
    const { kind, reason } = describeExit(info, generation.stderrTail);
    this.crash(generation, kind, reason);
  }

  private ensureActivated(generation: Generation, binding: IntegrationBinding): Promise<HandlerMethod[]> {
    const key = integrationKey(binding.ref);
    // The latest binding serves the context: a rotated secret (refreshed credentials) is handed out at
    // once; settings the plugin saw at activation stay as they were until a reload.
    generation.bindings.set(key, binding);
    let activation = generation.activations.get(key);
    if (!activation) {
      activation = this.runActivation(generation, key, binding);
      generation.activations.set(key, activation);
      activation.catch(() => {
        if (generation.activations.get(key) === activation) generation.activations.delete(key);
      });
    }
    return activation;
  }

  private async runActivation(generation: Generation, key: string, binding: IntegrationBinding): Promise<HandlerMethod[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), this.limits.activationTimeoutMs);
    });
    let answer: unknown;
    try {
      answer = await Promise.race([
        generation.rpc.activate({ key, store: binding.ref.store, marketplace: binding.ref.marketplace, settings: binding.settings, secretNames: Object.keys(binding.secrets) }),
        timeout,
        generation.host.exited.then(() => Promise.reject(new Error('exited'))),
      ]);
    } catch (error) {
      if ((error as Error).message === 'timeout') {
        const reason = `activate() did not finish within ${this.limits.activationTimeoutMs} ms`;
        this.crash(generation, 'timeout', reason);
        throw Errors.pluginActivationFailed(this.label, key, reason);
      }
      throw Errors.pluginCrashed(this.label, this.lastExit?.reason ?? (error as Error).message);
    } finally {
      clearTimeout(timer);
    }
    if (!isEnvelope(answer)) throw Errors.pluginMessageInvalid(this.label, 'activate result', 'not an envelope');
    if (!answer.ok) {
      const reason = `${answer.error.name === 'Error' ? '' : `${answer.error.name}: `}${answer.error.message}`;
      this.log.error({ plugin: this.label, integration: key }, `plugin activation failed: ${reason}`);
      this.strike('activation', `activate() failed for ${key}: ${reason}`);
      throw Errors.pluginActivationFailed(this.label, key, reason);
    }
    const methods = (answer.value as { methods?: unknown }).methods;
    if (!Array.isArray(methods) || !methods.every(isHandlerMethod)) throw Errors.pluginMessageInvalid(this.label, 'activate result', 'methods must list handler names');
    generation.activated.add(key);
    this.log.info({ plugin: this.label, integration: key, handlers: methods }, 'plugin activated');
    return methods;
  }

  private invoke(generation: Generation, binding: IntegrationBinding, method: HandlerMethod, args: unknown[]): Promise<unknown> {
    const callId = ++this.callSeq;
    const key = integrationKey(binding.ref);
    return new Promise<unknown>((resolve, reject) => {
      const settle = () => {
        const pending = generation.pending.get(callId);
        if (!pending) return false;
        clearTimeout(pending.ackTimer);
        clearTimeout(pending.callTimer);
        generation.pending.delete(callId);
        if (generation.pending.size === 0) this.notifyDrained();
        return true;
      };
      const pending: PendingCall = {
        method,
        reject: (error) => {
          if (settle()) reject(error);
        },
        ackTimer: setTimeout(() => this.crash(generation, 'unresponsive', unresponsive(method, this.limits.ackTimeoutMs)), this.limits.ackTimeoutMs),
        callTimer: setTimeout(() => {
          pending.reject(Errors.pluginTimeout(this.label, method, this.limits.callTimeoutMs));
          this.crash(generation, 'timeout', `${method} did not answer within ${this.limits.callTimeoutMs} ms`);
        }, this.limits.callTimeoutMs),
      };
      generation.pending.set(callId, pending);
      this.watch(generation, method);
      generation.rpc.invoke({ callId, key, method, args }).then(
        (answer) => {
          if (!settle()) return; // already failed by a crash or a timeout
          if (!isEnvelope(answer)) return reject(Errors.pluginMessageInvalid(this.label, `${method} result`, 'not an envelope'));
          if (!answer.ok) return reject(deserializeError(answer.error, PLUGIN_ERROR_CODES));
          const problem = plainDataProblem(answer.value) ?? RESULT_CHECKS[method]?.(answer.value, args);
          if (problem) return reject(Errors.pluginMessageInvalid(this.label, `${method} result`, problem));
          resolve(answer.value);
        },
        (error: Error) => pending.reject(Errors.pluginCrashed(this.label, this.lastExit?.reason ?? error.message)),
      );
    });
  }

  /**
   * While calls are in flight, the host must answer a ping within the acknowledgement timeout: a
   * handler that acknowledged its call and then blocked the event loop (a busy loop, a huge
   * synchronous job) is caught here rather than at the much longer per-call timeout.
   */
  private watch(generation: Generation, method: HandlerMethod) {
    if (generation.watchdog || generation.dead) return;
    generation.watchdog = setTimeout(async () => {
      if (generation.dead || generation.pending.size === 0) return void (generation.watchdog = undefined);
      const answered = await this.within(generation.rpc.ping().then(() => true, () => false), this.limits.ackTimeoutMs);
      generation.watchdog = undefined;
      if (generation.dead) return;
      if (answered === 'timeout') return this.crash(generation, 'unresponsive', unresponsive(method, this.limits.ackTimeoutMs));
      if (generation.pending.size) this.watch(generation, [...generation.pending.values()][0].method);
    }, Math.max(10, Math.floor(this.limits.ackTimeoutMs / 2)));
  }

  /** Counts a strike against the budget; quarantines the plugin when it is spent. */
  private strike(kind: StrikeKind, reason: string) {
    const spent = this.budget.spend(kind, reason);
    if (!spent) {
      this.log.warn({ plugin: this.label, kind, strikes: this.budget.recent().length, budget: this.budget.max }, `plugin strike: ${reason}`);
      return;
    }
    const strikes = this.budget.recent();
    const windowMin = Math.round(this.budget.windowMs / 60_000);
    const summary = `${strikes.length} failures within ${windowMin > 0 ? `${windowMin} min` : `${this.budget.windowMs} ms`} (last: ${reason})`;
    this.enterQuarantine(summary, new Date(this.now()).toISOString());
    this.events.quarantined(summary, strikes, this.quarantine!.since);
  }

  /** Quarantine: stop the host, fail what is in flight, refuse new work until released. */
  enterQuarantine(reason: string, since: string): void {
    this.quarantine = { reason, since };
    this.stateValue = 'quarantined';
    const generation = this.generation;
    if (generation) this.bury(generation, Errors.pluginQuarantined(this.label, reason));
    this.log.error({ plugin: this.label, marketplace: this.plugin.manifest.contributes.marketplace.id }, `plugin quarantined, its integrations are paused: ${reason}`);
  }

  release(): void {
    if (!this.quarantine) return;
    this.quarantine = undefined;
    this.budget.reset();
    this.stateValue = 'idle';
    this.log.info({ plugin: this.label }, 'plugin released from quarantine');
  }

  get quarantined(): { reason: string; since: string } | undefined {
    return this.quarantine;
  }

  /** A host died or must die: fail its calls (retryable), count the strike, restart on the next call. */
  private crash(generation: Generation, kind: StrikeKind, reason: string) {
    if (generation.dead) return;
    this.lastExit = { at: new Date(this.now()).toISOString(), kind, reason };
    this.log.error({ plugin: this.label, generation: generation.id, kind, inFlight: generation.pending.size }, `plugin host stopped: ${reason}`);
    this.bury(generation, Errors.pluginCrashed(this.label, reason));
    if (this.stateValue !== 'quarantined' && this.stateValue !== 'stopping' && this.stateValue !== 'stopped') this.stateValue = 'crashed';
    this.strike(kind, reason);
  }

  /** Marks a generation dead, fails its in-flight calls with `error` and kills its host. */
  private bury(generation: Generation, error: Error) {
    if (generation.dead) return;
    generation.dead = true;
    clearTimeout(generation.watchdog);
    if (this.generation === generation) this.generation = undefined;
    for (const pending of [...generation.pending.values()]) pending.reject(error);
    generation.rpc.$close(error);
    void generation.host.kill();
  }

  private notifyDrained() {
    for (const waiter of this.drainWaiters) waiter();
    this.drainWaiters.clear();
  }

  /**
   * Shutdown or reload: waits (bounded) for in-flight calls, runs deactivate() and the disposables in
   * the host (their errors are logged, not thrown), then ends the host and waits until it is gone.
   */
  async stop(final: boolean): Promise<void> {
    const wasQuarantined = !!this.quarantine;
    this.stateValue = 'stopping';
    const generation = this.generation ?? (await this.starting?.catch(() => undefined));
    if (generation && !generation.dead) {
      const deadline = this.now() + this.limits.deactivateTimeoutMs;
      if (generation.pending.size) {
        await this.within(new Promise<void>((done) => this.drainWaiters.add(done)), this.limits.deactivateTimeoutMs);
      }
      const left = Math.max(100, deadline - this.now());
      const result = await this.within(generation.rpc.deactivate().catch(() => undefined), left);
      if (result === 'timeout') {
        this.log.warn({ plugin: this.label }, `deactivate() and disposables did not finish within ${this.limits.deactivateTimeoutMs} ms; stopping the host anyway`);
      } else if (result) {
        for (const { where, error } of result.errors) this.log.error({ plugin: this.label, where, err: error }, `plugin ${where} failed: ${error.message}`);
      }
      generation.dead = true;
      clearTimeout(generation.watchdog);
      if (this.generation === generation) this.generation = undefined;
      for (const pending of [...generation.pending.values()]) pending.reject(Errors.pluginCrashed(this.label, 'stopped for shutdown'));
      generation.rpc.$close();
      await generation.host.close(2_000);
      this.lastExit = { at: new Date(this.now()).toISOString(), kind: 'stopped', reason: final ? 'shutdown' : 'reload' };
      this.log.info({ plugin: this.label, generation: generation.id }, final ? 'plugin host stopped (shutdown)' : 'plugin host stopped (reload)');
    }
    this.stateValue = final ? 'stopped' : wasQuarantined ? 'quarantined' : 'idle';
  }

  private async within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([promise, new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), ms)))]);
    } finally {
      clearTimeout(timer);
    }
  }

  status(): SupervisorStatus {
    const generation = this.generation;
    return {
      state: this.stateValue,
      isolation: this.isolation,
      ...(generation && generation.ready
        ? { host: { pid: generation.ready.pid, threadId: generation.host.threadId, generation: generation.id, since: generation.since } }
        : {}),
      starts: this.generations,
      restarts: Math.max(0, this.generations - 1),
      inFlight: generation?.pending.size ?? 0,
      activeIntegrations: generation ? [...generation.activated] : [],
      strikes: this.budget.recent(),
      ...(this.lastExit ? { lastExit: this.lastExit } : {}),
      ...(this.quarantine ? { quarantine: this.quarantine } : {}),
    };
  }

  /** The live host (tests check it is gone after shutdown). */
  get hostProcess(): HostProcess | undefined {
    return this.generation?.host;
  }
}

function unresponsive(method: string, ms: number): string {
  return `the host stopped responding while ${method} was in flight (no answer within ${ms} ms: its event loop is blocked)`;
}

/** Why a host exited, in words an operator can act on. */
function describeExit(info: ExitInfo, stderrTail: string[]): { kind: StrikeKind; reason: string } {
  if (info.error?.code === 'ERR_WORKER_OUT_OF_MEMORY' || stderrTail.some((l) => /heap out of memory|Allocation failed/i.test(l))) {
    return { kind: 'out-of-memory', reason: 'out of memory (the host hit its memory limit)' };
  }
  if (info.error) return { kind: 'crash', reason: `uncaught ${info.error.name ?? 'error'}: ${info.error.message}` };
  if (info.signal) return { kind: 'crash', reason: `killed by ${info.signal}` };
  return { kind: 'crash', reason: `exited with code ${info.code ?? '?'}` };
}

