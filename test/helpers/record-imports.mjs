// Loaded with `node --import` into a gateway under test: records every package the process
// resolves (ES imports, dynamic import() included) into the file named by AGW_RECORD_IMPORTS,
// one `<package>` line each, so a test can say which optional dependencies a config loaded.
import { register } from 'node:module';

register('./record-imports-hooks.mjs', { parentURL: import.meta.url, data: { file: process.env.AGW_RECORD_IMPORTS } });
