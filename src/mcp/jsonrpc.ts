// JSON-RPC 2.0 as MCP uses it: reading one client message, the error codes, and the envelopes the
// gateway writes. Messages are kept as parsed JSON: the gateway reads only the fields it routes
// on (method, id, params.name, params.uri, _meta.progressToken) and passes the rest through.

/** JSON-RPC request ids are strings or integers (MCP forbids null). */
export type RequestId = string | number;

export interface JsonRpcRequest {
  readonly jsonrpc: '2.0';
  readonly id: RequestId;
  readonly method: string;
  readonly params?: Record<string, unknown>;
}

export interface JsonRpcNotification {
  readonly jsonrpc: '2.0';
  readonly method: string;
  readonly params?: Record<string, unknown>;
}

export interface JsonRpcErrorBody {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

export interface JsonRpcResponse {
  readonly jsonrpc: '2.0';
  readonly id: RequestId;
  readonly result?: unknown;
  readonly error?: JsonRpcErrorBody;
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

import { INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR } from '../http/jsonrpc-codes.js';

export {
  GATEWAY_REFUSED,
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
} from '../http/jsonrpc-codes.js';

/** What a client POSTed: one request, notification or response, or why it is not one. */
export type ClientMessage =
  | { readonly kind: 'request'; readonly message: JsonRpcRequest }
  | { readonly kind: 'notification'; readonly message: JsonRpcNotification }
  | { readonly kind: 'response'; readonly message: JsonRpcResponse }
  | { readonly kind: 'invalid'; readonly code: number; readonly reason: string; readonly id: RequestId | null };

export function parseClientMessage(body: Uint8Array | null): ClientMessage {
  if (body === null || body.length === 0) return invalid(PARSE_ERROR, 'empty body: expected a JSON-RPC message', null);
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return invalid(PARSE_ERROR, 'body is not valid JSON', null);
  }
  if (Array.isArray(v)) return invalid(INVALID_REQUEST, 'JSON-RPC batches are not supported (removed in MCP 2025-06-18)', null);
  return classify(v);
}

/** Classifies a parsed JSON value as a JSON-RPC message (also used for upstream messages). */
export function classify(v: unknown): ClientMessage {
  if (v === null || typeof v !== 'object') return invalid(INVALID_REQUEST, 'expected a JSON-RPC object', null);
  const o = v as Record<string, unknown>;
  const id = isId(o.id) ? o.id : null;
  if (o.jsonrpc !== '2.0') return invalid(INVALID_REQUEST, 'jsonrpc must be "2.0"', id);
  if (o.params !== undefined && (o.params === null || typeof o.params !== 'object' || Array.isArray(o.params))) {
    return invalid(INVALID_PARAMS, 'params must be an object', id);
  }
  if (typeof o.method === 'string') {
    if (o.id === undefined) return { kind: 'notification', message: o as unknown as JsonRpcNotification };
    if (id === null) return invalid(INVALID_REQUEST, 'id must be a string or an integer', null);
    return { kind: 'request', message: o as unknown as JsonRpcRequest };
  }
  if (id !== null && (o.result !== undefined || isErrorBody(o.error)))
    return { kind: 'response', message: o as unknown as JsonRpcResponse };
  return invalid(INVALID_REQUEST, 'not a JSON-RPC request, notification or response', id);
}

function invalid(code: number, reason: string, id: RequestId | null): ClientMessage {
  return { kind: 'invalid', code, reason, id };
}

function isId(v: unknown): v is RequestId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
}

function isErrorBody(v: unknown): v is JsonRpcErrorBody {
  return v !== null && typeof v === 'object' && typeof (v as { code?: unknown }).code === 'number';
}

export function resultEnvelope(id: RequestId, result: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, result };
}

export function errorEnvelope(id: RequestId | null, code: number, message: string, data?: unknown): string {
  const error = data === undefined ? { code, message } : { code, message, data };
  return JSON.stringify({ jsonrpc: '2.0', id, error });
}

/** A string params field (`name`, `uri`), or undefined. */
export function paramString(params: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = params?.[key];
  return typeof v === 'string' ? v : undefined;
}
