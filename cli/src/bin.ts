#!/usr/bin/env node
import { main } from './main.js';

main(process.argv.slice(2)).catch((error: unknown) => {
  // Errors with a code are written for users; anything else is a bug worth its stack.
  const e = error as { code?: string; message?: string; stack?: string };
  process.stderr.write(`${e?.code?.startsWith('CONNECTOR_ERR_') ? `${e.code}: ${e.message}` : (e?.stack ?? String(error))}\n`);
  process.exitCode = 1;
});
