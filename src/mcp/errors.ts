// MCP's part of the one error model (src/errors.ts): the JSON-RPC code each kind is answered
// with, and which refusals are in-band. Throw sites name a kind and a message (and `rpcCode`
// when it is not the kind's: a parse error, a target's own code); the MCP dialect writer
// (src/pipeline/dialects.ts) builds the error object here. In-band refusals concern one
// well-formed request inside a live session (an unknown or hidden tool, a target that is down):
// MCP answers those like a server would, with HTTP 200 and the error object and no `data`, so
// clients see a tool error rather than a broken transport. The others (malformed message,
// unknown session, wrong headers, authentication, rate limits) keep their HTTP status and carry
// it with the type, code and reason in `data`, as A2A routes do.
import type { ErrorKind, GatewayError } from '../errors.js';
import { GATEWAY_REFUSED, INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, type RequestId } from './jsonrpc.js';

/** The kinds answered in-band (HTTP 200), with their JSON-RPC codes. */
const IN_BAND: Partial<Record<ErrorKind, number>> = {
  mcp_unknown_name: INVALID_PARAMS,
  // Indistinguishable from an unknown name on purpose (agentgateway's wording): only logs tell.
  mcp_denied: INVALID_PARAMS,
  mcp_method_not_found: METHOD_NOT_FOUND,
  mcp_target_unavailable: INTERNAL_ERROR,
  mcp_target_failed: INTERNAL_ERROR,
};

/** Out-of-band kinds whose JSON-RPC code is not the status's default. */
const OUT_OF_BAND: Partial<Record<ErrorKind, number>> = {
  mcp_method_not_allowed: INVALID_REQUEST,
  mcp_not_acceptable: INVALID_REQUEST,
  mcp_unsupported_media_type: INVALID_REQUEST,
  mcp_unsupported_version: INVALID_REQUEST,
  mcp_session_required: INVALID_REQUEST,
  mcp_session_not_found: INVALID_REQUEST,
  mcp_stream_conflict: INVALID_REQUEST,
};

export function isInBand(err: GatewayError): boolean {
  return IN_BAND[err.kind] !== undefined;
}

export function rpcCodeOf(err: GatewayError): number {
  return err.rpcCode ?? IN_BAND[err.kind] ?? OUT_OF_BAND[err.kind] ?? (err.status >= 500 ? INTERNAL_ERROR : GATEWAY_REFUSED);
}

/** The JSON-RPC error response answering `id`. */
export function mcpErrorObject(err: GatewayError, id: RequestId | null): object {
  const error: Record<string, unknown> = { code: rpcCodeOf(err), message: err.message };
  if (!isInBand(err)) error.data = { httpStatus: err.status, type: err.typeFor('anthropic'), code: err.code, reason: err.reason };
  return { jsonrpc: '2.0', id, error };
}
