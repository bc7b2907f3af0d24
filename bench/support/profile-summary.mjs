// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per package/file, and inclusive time of
// the functions whose name or file matches --focus. Used to find where the runtime's time goes (bench/README.md).
//
//   node bench/support/profile-summary.mjs PROFILE.cpuprofile [--top 40] [--focus regex]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '40' }, focus: { type: 'string' } } });
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const top = Number(values.top);
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Sample time: timeDeltas[i] is the time before sample i.
const selfUs = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  total += dt;
});

const where = (n) => {
  const url = n.callFrame.url || '';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const own = /\/(core|server|cli|plugins\/[^/]+|test)\/(?:dist|src)\/(.*)$/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  return url ? url.replace(/^.*\//, '') : `(${n.callFrame.functionName || 'native'})`;
};
const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${where(n)}:${n.callFrame.lineNumber + 1}`;

const byFunction = new Map();
const byFile = new Map();
for (const [id, us] of selfUs) {
  const n = nodes.get(id);
  byFunction.set(label(n), (byFunction.get(label(n)) ?? 0) + us);
  byFile.set(where(n), (byFile.get(where(n)) ?? 0) + us);
}
const table = (map) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`)
    .join('\n');

console.log(`total ${(total / 1e6).toFixed(2)} s sampled\n\n== self time by package / file ==\n${table(byFile)}\n\n== self time by function ==\n${table(byFunction)}`);

if (values.focus) {
  // Inclusive time of matching frames (counted once per sample, however deep the recursion).
  const re = new RegExp(values.focus);
  const inclusive = new Map();
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const n = nodes.get(at);
      const l = label(n);
      if (!seen.has(l) && re.test(l)) {
        seen.add(l);
        inclusive.set(l, (inclusive.get(l) ?? 0) + dt);
      }
    }
  });
  console.log(`\n== inclusive time of /${values.focus}/ ==\n${table(inclusive)}`);
}
