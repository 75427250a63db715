// Loaded with `node --import` into a gateway under test: records every package the process
// loads, ES imports (dynamic import() included, through a resolve hook) and require() calls
// (createRequire included, through Module._resolveFilename), into the file named by
// AGW_RECORD_IMPORTS, one `<package>` line each, so a test can say which optional
// dependencies a config loaded.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const file = process.env.AGW_RECORD_IMPORTS;
register('./record-imports-hooks.mjs', { parentURL: import.meta.url, data: { file } });

const seen = new Set();
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const path = resolveFilename.apply(this, args);
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (file && m && !seen.has(m[1])) {
    seen.add(m[1]);
    appendFileSync(file, `${m[1]}\n`);
  }
  return path;
};
