// The gateway imports cel-js, jose and the MCP SDK when a config needs them (the compile asks,
// loads, and compiles again: runtime/compile.ts withModules). Unit tests call compileCel,
// compile() and the JWT policy directly and synchronously, so every test file starts with them loaded.
import { loadCel } from '../../src/cel/env.js';
import { loadMcpSdk } from '../../src/mcp/sdk.js';
import { loadJose } from '../../src/policies/jose.js';

await Promise.all([loadCel(), loadJose(), loadMcpSdk()]);
