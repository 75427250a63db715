// MCP protocol versions: the ones the gateway speaks are the official SDK's (its client
// transports carry the upstream side), checked on the MCP-Protocol-Version header of every
// request after initialize.
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError } from '../errors.js';
import type { ClientInit } from './link.js';

export const SUPPORTED_VERSIONS: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;

/** A version the gateway does not speak is refused (400), as the MCP spec asks. */
export function checkProtocolVersion(header: string | undefined): void {
  if (header === undefined || SUPPORTED_VERSIONS.includes(header)) return;
  throw new GatewayError(
    'mcp_unsupported_version',
    `Bad Request: unsupported MCP-Protocol-Version ${header.slice(0, 40)} (supported: ${SUPPORTED_VERSIONS.join(', ')})`,
  );
}

/**
 * statefulMode stateless: a request other than initialize reaches targets that were never
 * initialized, so the gateway initializes them itself, as agentgateway does.
 */
export function syntheticInit(header: string | undefined, version: string): ClientInit {
  return {
    protocolVersion: header ?? LATEST_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'agentgateway', version },
  };
}
