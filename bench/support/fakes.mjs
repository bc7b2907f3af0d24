// Starts fakes-process.mjs and gives the bench an async `call(cmd, args)` to drive it.
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export async function startFakes(env = {}) {
  const child = fork(join(here, 'fakes-process.mjs'), [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let next = 0;
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the fakes process exited (${code}) before it was ready`)));
    child.on('message', (message) => {
      if (message.ready) return resolve();
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(`fakes: ${message.error}`));
      else waiter?.resolve(message.result);
    });
  });
  return {
    pid: child.pid,
    call: (cmd, args) =>
      new Promise((resolve, reject) => {
        const id = ++next;
        pending.set(id, { resolve, reject });
        child.send({ id, cmd, args });
      }),
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ id: ++next, cmd: 'close' });
      await exited;
    },
  };
}
