// CPU accounting for the benches, from /proc (Linux): CPU seconds of one process (all its threads, so a plugin's
// worker thread counts with the runtime), of the whole machine, and of the Postgres backends serving one
// application_name (the bench puts a unique one in DATABASE_URL, so other users of the server are not counted).
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

const TICKS = 100; // USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK)

/** utime + stime of a process (every thread), in seconds; undefined once it is gone. */
export function processCpuSeconds(pid) {
  const t = processCpuTimes(pid);
  return t && t.user + t.system;
}

/** utime and stime of a process (every thread), in seconds. */
export function processCpuTimes(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), 1-based: 14 utime, 15 stime.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / TICKS, system: Number(fields[12]) / TICKS };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of a process's threads by kind: `MainThread` (the event loop), `WorkerThread` (plugin
 * hosts in worker threads), `V8Worker` (garbage collection and compilation helpers), `libuv-worker`
 * (file system, DNS), anything else summed under its name.
 */
export function threadCpuSeconds(pid) {
  const out = {};
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out[name] = (out[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) / TICKS;
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    return undefined;
  }
  return out;
}

/** Resident set size of a process, in MB (VmRSS; PGlite's WASM heap included). */
export function processRssMb(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** Busy and total CPU seconds of the whole machine, summed over every core. */
export function machineCpuSeconds() {
  const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
  const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu.split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / TICKS, total: (busy + idle + iowait) / TICKS };
}

export const loadAverage = () => loadavg().map((n) => Math.round(n * 100) / 100);

/**
 * CPU of the Postgres backends serving `applicationName`, sampled while a phase runs: each backend's CPU is counted
 * from the first time it is seen (connections are pooled and long-lived, so little is missed).
 */
export class PostgresBackends {
  #first = new Map();
  #last = new Map();
  #timer;

  constructor(db, applicationName) {
    this.db = db;
    this.applicationName = applicationName;
  }

  async sample() {
    const rows = await this.db.query('select pid from pg_stat_activity where application_name = $1', [this.applicationName]).catch(() => []);
    for (const { pid } of rows) {
      const cpu = processCpuSeconds(pid);
      if (cpu === undefined) continue;
      if (!this.#first.has(pid)) this.#first.set(pid, cpu);
      this.#last.set(pid, cpu);
    }
  }

  start(everyMs = 500) {
    this.#timer = setInterval(() => void this.sample(), everyMs);
    return this.sample();
  }

  async stop() {
    clearInterval(this.#timer);
    await this.sample();
  }

  /** CPU seconds used by those backends so far, and how many there were. */
  read() {
    let seconds = 0;
    for (const [pid, last] of this.#last) seconds += last - this.#first.get(pid);
    return { seconds, backends: this.#last.size };
  }
}

/**
 * Per-process CPU over a phase: `mark()` at its start, `since(mark)` at its end gives CPU seconds per named process,
 * the machine's busy seconds, and what nobody named used (the rest of the machine: Postgres' own background
 * processes, other users of a shared box).
 */
export class CpuMeter {
  #lastKnown = new Map();

  constructor(processes, postgres, threadsOf) {
    this.processes = processes; // { name: pid }
    this.postgres = postgres; // PostgresBackends or undefined
    this.threadsOf = threadsOf; // the name of the process whose threads are reported apart
  }

  /** A process's CPU times, or its last reading once it has exited. */
  #times(pid) {
    const t = processCpuTimes(pid);
    if (t) this.#lastKnown.set(pid, t);
    return this.#lastKnown.get(pid) ?? { user: 0, system: 0 };
  }

  mark() {
    return {
      at: performance.now(),
      machine: machineCpuSeconds(),
      processes: Object.fromEntries(Object.entries(this.processes).map(([name, pid]) => [name, this.#times(pid)])),
      postgres: this.postgres?.read().seconds ?? 0,
      threads: this.threadsOf ? (this.#lastThreads = threadCpuSeconds(this.processes[this.threadsOf]) ?? this.#lastThreads) : undefined,
      load: loadAverage(),
    };
  }

  #lastThreads;

  since(mark) {
    const now = this.mark();
    const wall = (now.at - mark.at) / 1000;
    const cpu = {};
    const kernel = {};
    let named = 0;
    for (const name of Object.keys(this.processes)) {
      const user = now.processes[name].user - mark.processes[name].user;
      const system = now.processes[name].system - mark.processes[name].system;
      cpu[name] = round3(user + system);
      kernel[name] = round3(system);
      named += cpu[name];
    }
    if (this.postgres) {
      cpu.postgresBackends = round3(now.postgres - mark.postgres);
      named += cpu.postgresBackends;
    }
    const busy = now.machine.busy - mark.machine.busy;
    return {
      wallSeconds: round3(wall),
      cpuSeconds: { ...cpu, restOfMachine: round3(Math.max(0, busy - named)), machineBusy: round3(busy) },
      // The part of each process's CPU spent in the kernel (system time: sockets, files).
      kernelSeconds: kernel,
      ...(this.threadsOf && now.threads && mark.threads
        ? { [`${this.threadsOf}Threads`]: Object.fromEntries(Object.entries(now.threads).map(([k, v]) => [k, round3(v - (mark.threads[k] ?? 0))]).filter(([, v]) => v > 0)) }
        : {}),
      machineBusyPercent: Math.round((busy / (now.machine.total - mark.machine.total || 1)) * 100),
      loadAverage: { atStart: mark.load, atEnd: now.load },
    };
  }
}

export const round3 = (x) => Math.round(x * 1000) / 1000;
