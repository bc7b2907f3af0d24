/**
 * First code of a plugin host: lowers this thread's CPU priority before anything else loads (on Linux
 * `setpriority` applies to the calling thread only — a worker's own thread, or a child's main thread),
 * so even the host's start-up, let alone a busy-looping plugin, yields the CPU to the core's event loop.
 */
import { setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';

const niceness = Number((workerData as { niceness?: number } | null)?.niceness ?? JSON.parse(process.argv[2] ?? '{}').niceness ?? 0);
try {
  setPriority(Math.max(0, Math.min(19, niceness)));
} catch {
  // not permitted here: run at the core's priority
}
await import('./host-entry.js');
