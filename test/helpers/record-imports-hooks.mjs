// The resolve hook of record-imports.mjs (it runs on the loader thread, so it writes the file
// itself, synchronously, rather than messaging a main thread that may be busy or exiting).
import { appendFileSync } from 'node:fs';

let file;
const seen = new Set();

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(r.url);
  if (file && m && !seen.has(m[1])) {
    seen.add(m[1]);
    appendFileSync(file, `${m[1]}\n`);
  }
  return r;
}
