// MCP protocol versions: the ones the gateway speaks are the official SDK's (its client
// transports carry the upstream side), checked on the MCP-Protocol-Version header of every
// request after initialize. The SDK is loaded by the compile of an MCP backend (sdk.ts), so it
// is there whenever a request reaches an MCP route.
import { GatewayError } from '../errors.js';
import type { ClientInit } from './link.js';
import { mcpSdk } from './sdk.js';

/** A version the gateway does not speak is refused (400), as the MCP spec asks. */
export function checkProtocolVersion(header: string | undefined): void {
  const supported: readonly string[] = mcpSdk().types.SUPPORTED_PROTOCOL_VERSIONS;
  if (header === undefined || supported.includes(header)) return;
  throw new GatewayError(
    'mcp_unsupported_version',
    `Bad Request: unsupported MCP-Protocol-Version ${header.slice(0, 40)} (supported: ${supported.join(', ')})`,
  );
}

/**
 * statefulMode stateless: a request other than initialize reaches targets that were never
 * initialized, so the gateway initializes them itself, as agentgateway does.
 */
export function syntheticInit(header: string | undefined, version: string): ClientInit {
  return {
    protocolVersion: header ?? mcpSdk().types.LATEST_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'agentgateway', version },
  };
}
