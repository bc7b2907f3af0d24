import { registerHooks } from 'node:module';

/**
 * Built-in modules plugin code may not load: raw network access (ctx.http is the way out, and it
 * enforces allowedHosts, the rate budget and the operation log), subprocesses and threads (they would
 * escape the host's resource limits), and the inspector.
 */
export const BLOCKED_BUILTINS = ['net', 'tls', 'http', 'https', 'http2', 'dgram', 'dns', 'child_process', 'cluster', 'worker_threads', 'inspector'];

const blockedName = (specifier: string): string | undefined => {
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  const base = bare.split('/')[0];
  return BLOCKED_BUILTINS.includes(base) ? base : undefined;
};

function denied(what: string): Error {
  const error = new Error(`Connector plugins cannot use ${what}: reach the marketplace through ctx.http (it only allows the hosts the manifest declares).`);
  (error as Error & { code: string }).code = 'ERR_CONNECTOR_PLUGIN_DENIED';
  return error;
}

/**
 * Guard rails installed in the plugin's host before its code loads. They stop the ordinary ways
 * around ctx.http (global fetch, node:http, node:net, …) so a plugin cannot reach an undeclared host
 * by accident or by a dependency's default. This is not a security sandbox against hostile code
 * running in-thread (no JavaScript-level guard is); the boundary against a hostile plugin is the
 * process isolation mode plus the operating system's network policy. See docs/extension-host.md.
 */
export function installGuards(options: { allowNativeAddons: boolean }): void {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const name = blockedName(specifier);
      if (name) throw denied(`node:${name}`);
      return nextResolve(specifier, context);
    },
  });
  const getBuiltinModule = process.getBuiltinModule.bind(process);
  process.getBuiltinModule = ((id: string) => {
    const name = blockedName(id);
    if (name) throw denied(`node:${name}`);
    return getBuiltinModule(id);
  }) as typeof process.getBuiltinModule;
  const refuse = (what: string) => () => {
    throw denied(what);
  };
  for (const key of ['binding', '_linkedBinding'] as const) {
    Object.defineProperty(process, key, { value: refuse(`process.${key}`), configurable: false, writable: false });
  }
  if (!options.allowNativeAddons) {
    Object.defineProperty(process, 'dlopen', { value: refuse('native addons in a worker (declare "isolation": "process")'), configurable: false, writable: false });
  }
  for (const name of ['fetch', 'WebSocket', 'EventSource']) {
    if (name in globalThis) {
      Object.defineProperty(globalThis, name, {
        value: name === 'fetch' ? () => Promise.reject(denied('the global fetch')) : refuse(`the global ${name}`),
        configurable: false,
        writable: false,
      });
    }
  }
}
