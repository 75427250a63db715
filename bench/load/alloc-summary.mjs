// Bytes allocated per request by function, from a profile written by alloc-sampler.mjs.
//   node bench/load/alloc-summary.mjs <profile.json> <requests> [rows]
import { readFileSync } from 'node:fs';

const [file, requests, rows = '30'] = process.argv.slice(2);
const n = Number(requests);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const self = new Map();
const walk = (node) => {
  const f = node.callFrame;
  const where = f.url.replace(/.*\/(node_modules|dist)\//, '$1/');
  const key = `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + (node.selfSize ?? 0));
  for (const c of node.children ?? []) walk(c);
};
walk(profile.head);
const total = [...self.values()].reduce((a, b) => a + b, 0);
console.log(`| function | bytes/request |\n|---|---|\n| (all, sampled) | ${(total / n).toFixed(0)} |`);
for (const [k, b] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(rows))) console.log(`| \`${k}\` | ${(b / n).toFixed(0)} |`);
