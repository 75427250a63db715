// The official MCP SDK (its protocol versions and its stdio and legacy SSE client transports)
// is imported only when a config has an MCP backend: compileMcpBackend asks for it first, and
// the config compile loads it and retries (runtime/with-modules.ts). Its types module builds
// several hundred zod schemas at import, resident in every gateway that loaded it.
import { ModuleNotLoaded } from '../errors.js';

export interface McpSdk {
  readonly types: typeof import('@modelcontextprotocol/sdk/types.js');
  readonly transports: typeof import('./transports.js');
}

let sdk: McpSdk | null = null;
let loading: Promise<void> | null = null;

export function loadMcpSdk(): Promise<void> {
  loading ??= Promise.all([import('@modelcontextprotocol/sdk/types.js'), import('./transports.js')]).then(([types, transports]) => {
    sdk = { types, transports };
  });
  return loading;
}

/** The SDK; throws ModuleNotLoaded until `loadMcpSdk()` has resolved. */
export function mcpSdk(): McpSdk {
  if (sdk === null) throw new ModuleNotLoaded('@modelcontextprotocol/sdk', loadMcpSdk);
  return sdk;
}
