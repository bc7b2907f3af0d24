import { fork } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { IsolationMode } from '../manifest.js';
import type { Transport } from '../rpc/channel.js';
import type { HostInit } from './host-entry.js';

const ENTRY = fileURLToPath(new URL('./host-bootstrap.js', import.meta.url));
const CORE_ROOT = resolve(dirname(ENTRY), '../../..');

export interface ExitInfo {
  code: number | null;
  signal?: NodeJS.Signals | null;
  /** The error the host died of, when it reported one (a worker's uncaught exception or OOM). */
  error?: Error & { code?: string };
}

/** A running extension host, whichever kind: the core talks to it through `transport` only. */
export interface HostProcess {
  readonly kind: IsolationMode;
  readonly pid: number;
  readonly threadId?: number;
  readonly transport: Transport;
  /** Resolves once, when the host is gone (whatever the reason). */
  readonly exited: Promise<ExitInfo>;
  /** Stops it now. */
  kill(): Promise<ExitInfo>;
  /** Asks it to leave (a child process gets its IPC channel closed), then kills it after `graceMs`. */
  close(graceMs: number): Promise<ExitInfo>;
}

export interface SpawnOptions {
  init: HostInit;
  memoryLimitMb: number;
  /** The host's whole environment: plugins never see the core's (database URL, tokens). */
  env: Record<string, string>;
  onOutput(stream: 'stdout' | 'stderr', line: string): void;
}

export function spawnHost(options: SpawnOptions): HostProcess {
  return options.init.isolation === 'process' ? spawnProcess(options) : spawnWorker(options);
}

function pipeLines(stream: Readable | null | undefined, name: 'stdout' | 'stderr', onOutput: SpawnOptions['onOutput']) {
  if (!stream) return;
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => onOutput(name, line));
}

function spawnWorker(options: SpawnOptions): HostProcess {
  const worker = new Worker(ENTRY, {
    workerData: options.init,
    env: options.env,
    execArgv: [],
    stdout: true,
    stderr: true,
    resourceLimits: { maxOldGenerationSizeMb: options.memoryLimitMb, stackSizeMb: 4 },
  });
  pipeLines(worker.stdout, 'stdout', options.onOutput);
  pipeLines(worker.stderr, 'stderr', options.onOutput);
  let error: ExitInfo['error'];
  // Always listen for 'error': an unhandled worker error would crash the core.
  worker.on('error', (e) => {
    error ??= e as ExitInfo['error'];
  });
  const exited = new Promise<ExitInfo>((done) => worker.once('exit', (code) => done({ code, error })));
  return {
    kind: 'worker',
    pid: process.pid,
    threadId: worker.threadId,
    transport: { post: (m) => worker.postMessage(m), on: (l) => worker.on('message', l), off: (l) => worker.off('message', l) },
    exited,
    kill: async () => {
      await worker.terminate().catch(() => undefined);
      return exited;
    },
    close: async () => {
      await worker.terminate().catch(() => undefined);
      return exited;
    },
  };
}

/**
 * A child process under Node's permission model: it may read its own package, the core and the
 * node_modules they resolve from, and nothing else; no file writes, subprocesses or workers. Native
 * addons are allowed (the reason to ask for a process). Its old generation is capped like a worker's.
 */
function spawnProcess(options: SpawnOptions): HostProcess {
  const readable = readablePaths(options.init.dir);
  const child = fork(ENTRY, [JSON.stringify(options.init)], {
    serialization: 'advanced',
    env: options.env,
    execArgv: [`--max-old-space-size=${options.memoryLimitMb}`, '--permission', '--allow-addons', ...readable.map((p) => `--allow-fs-read=${p}`)],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  pipeLines(child.stdout, 'stdout', options.onOutput);
  pipeLines(child.stderr, 'stderr', options.onOutput);
  let error: ExitInfo['error'];
  child.on('error', (e) => {
    error ??= e as ExitInfo['error'];
  });
  const exited = new Promise<ExitInfo>((done) => child.once('exit', (code, signal) => done({ code, signal, error })));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return exited;
  };
  return {
    kind: 'process',
    pid: child.pid ?? -1,
    transport: {
      post: (m) => {
        if (child.connected) child.send(m as never);
      },
      on: (l) => child.on('message', l),
      off: (l) => child.off('message', l),
    },
    exited,
    kill,
    close: async (graceMs) => {
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => void kill(), graceMs);
      const info = await exited;
      clearTimeout(timer);
      return info;
    },
  };
}

/** The plugin's folder, the core, and every node_modules folder either resolves packages from. */
function readablePaths(pluginDir: string): string[] {
  const paths = new Set<string>();
  const add = (p: string) => {
    if (!existsSync(p)) return;
    paths.add(p);
    paths.add(realpathSync(p));
  };
  add(pluginDir);
  add(CORE_ROOT);
  for (const start of [pluginDir, CORE_ROOT]) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      add(join(dir, 'node_modules'));
      if (dirname(dir) === dir) break;
    }
  }
  return [...paths].map((p) => (p.endsWith('/') ? p : `${p}/`));
}
