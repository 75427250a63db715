// The one place a gateway error becomes a response body in the caller's dialect. One writer
// per dialect, chosen by the request's dialect (decided once, when the route is known: see
// src/llm/dialect.ts and selectRoute). A new client protocol adds its name to ClientDialect and
// a writer to DIALECTS. Types, code and reason come from the error table (src/errors.ts);
// nothing here chooses a status.
import { codeForStatus, errorEnvelope } from '../a2a/jsonrpc.js';
import type { GatewayError } from '../errors.js';
import { gatewayErrorBody, type ErrorDialect } from '../llm/formats/errors.js';
import { mcpErrorObject, rpcCodeOf } from '../mcp/errors.js';
import type { RequestCtx } from './context.js';

/** The error format a client reads: its LLM API's, or JSON-RPC error objects on A2A and MCP routes. */
export type ClientDialect = ErrorDialect | 'a2a' | 'mcp';

/** Writes `err` as the body the client gets; `ctx` is null for errors before any routing. */
export type DialectWriter = (err: GatewayError, ctx: RequestCtx | null) => string;

export const DIALECTS: Readonly<Record<ClientDialect, DialectWriter>> = {
  openai: (err) => JSON.stringify(gatewayErrorBody('openai', err)),
  anthropic: (err) => JSON.stringify(gatewayErrorBody('anthropic', err)),
  google: (err) => JSON.stringify(gatewayErrorBody('google', err)),
  a2a: (err, ctx) => a2aError(err, ctx),
  mcp: (err, ctx) => mcpError(err, ctx),
};

/**
 * The A2A dialect: a JSON-RPC error object answering the request's id, with the HTTP status,
 * the error type, code and reason in `data`. The request's A2A record notes the outcome.
 */
function a2aError(err: GatewayError, ctx: RequestCtx | null): string {
  const x = ctx?.a2a ?? null;
  const code = err.rpcCode ?? codeForStatus(err.status);
  if (x !== null) {
    x.outcome = 'error';
    x.errorCode = code;
  }
  const data = { httpStatus: err.status, type: err.typeFor('anthropic'), code: err.code, reason: err.reason };
  return JSON.stringify(errorEnvelope(x?.id ?? null, code, err.message, data));
}

/**
 * The MCP dialect: a JSON-RPC error object answering the request's id (src/mcp/errors.ts says
 * which code, and whether `data` carries the status, type, code and reason). The request's MCP
 * record notes the outcome.
 */
function mcpError(err: GatewayError, ctx: RequestCtx | null): string {
  const x = ctx?.mcp ?? null;
  x?.failed(rpcCodeOf(err), err.message);
  return JSON.stringify(mcpErrorObject(err, x?.id ?? null));
}
