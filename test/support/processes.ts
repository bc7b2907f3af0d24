import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = join(fileURLToPath(import.meta.url), '../../../cli/dist/bin.js');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface Served {
  child: ChildProcess;
  address: string;
  output: () => string;
  /** Resolves with the exit code or signal. */
  exited: Promise<number | string | null>;
}

/** Starts `connector serve` and resolves once it logs its listening address. */
export function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], {
    env: { ...process.env, CONNECTOR_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      for (const line of out.split('\n')) {
        if (!line.includes('"address"')) continue;
        try {
          const address = (JSON.parse(line) as { address?: string }).address;
          if (address) {
            child.stdout.off('data', onData);
            child.stdout.on('data', (more) => (out += more));
            resolve({ child, address, output: () => out, exited });
            return;
          }
        } catch {
          // a partial line: wait for the rest
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (out += d));
    exited.then((code) => reject(new Error(`connector serve exited (${code}) before listening:\n${out}`)));
  });
}
