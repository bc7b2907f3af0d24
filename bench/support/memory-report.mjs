// Preloaded into the process under test (node --import) by a bench asked for --memory-report: every second, where
// its memory is — V8 heap, external memory (PGlite's WASM heap is an ArrayBuffer), RSS — one JSON line appended
// to BENCH_MEMORY_REPORT.
import { appendFileSync } from 'node:fs';

const file = process.env.BENCH_MEMORY_REPORT;
if (file) {
  const mb = (n) => Math.round(n / 1048576);
  setInterval(() => {
    const m = process.memoryUsage();
    appendFileSync(file, `${JSON.stringify({ t: Date.now(), rss: mb(m.rss), heapTotal: mb(m.heapTotal), heapUsed: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) })}\n`);
  }, 1000).unref();
}
