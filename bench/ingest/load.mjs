#!/usr/bin/env node
// The load generator of `bench/ingest`, run as its own process so that generating load does not
// share an event loop with the server it measures. One autocannon run (warm-up, then the measured
// part) against one URL; prints one JSON object on stdout and nothing else.
//
//   node bench/ingest/load.mjs --url http://127.0.0.1:PORT/api/notification?token=… \
//     --bodies bodies.json [--connections 50] [--duration 10] [--warmup 3]
//
// `--bodies` is a JSON array of request bodies (strings). Each request takes the next one, so the
// IdSku (and VTEX's random Version) varies from request to request, as in production.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    bodies: { type: 'string' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
  },
});
if (!values.url || !values.bodies) {
  process.stderr.write('usage: load.mjs --url URL --bodies FILE [--connections N] [--duration S] [--warmup S]\n');
  process.exit(2);
}

const connections = positive('connections');
const duration = positive('duration');
const warmup = Number(values.warmup);
// Pre-encoded once: choosing the body must cost the generator next to nothing per request.
const bodies = JSON.parse(readFileSync(values.bodies, 'utf8')).map((b) => Buffer.from(b));
if (!bodies.length) throw new Error(`${values.bodies} holds no bodies`);
let next = 0;

const url = new URL(values.url);
const result = await autocannon({
  url: url.origin,
  connections,
  duration,
  ...(warmup > 0 && { warmup: { connections, duration: warmup } }),
  requests: [
    {
      method: 'POST',
      path: url.pathname + url.search,
      headers: { 'content-type': 'application/json' },
      setupRequest(request) {
        request.body = bodies[next++ % bodies.length];
        return request;
      },
    },
  ],
});

process.stdout.write(
  `${JSON.stringify({
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    count2xx: result['2xx'],
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
    durationSeconds: result.duration,
    warmup2xx: result.warmup?.['2xx'] ?? 0,
    warmupNon2xx: result.warmup?.non2xx ?? 0,
    // This process's own CPU time (start-up included), so the bench can show what load costs.
    cpuMicros: (({ user, system }) => user + system)(process.cpuUsage()),
  })}\n`,
);

function positive(name) {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${values[name]}"`);
  return n;
}
