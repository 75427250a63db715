// JSON-RPC 2.0's error codes, shared by the two JSON-RPC protocols the gateway speaks (MCP and
// A2A), so a refusal carries the same code whichever one the client used.

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/**
 * Gateway refusals that are not about the message's shape (authentication, authorization, rate
 * limits, no route): JSON-RPC's generic implementation-defined server error. The protocols' own
 * codes (A2A's -32001..-32009, MCP's) are left to the servers behind, so a client never mistakes a
 * gateway refusal for one of theirs.
 */
export const GATEWAY_REFUSED = -32000;
