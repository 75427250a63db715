// JSON-RPC 2.0 as A2A uses it: the error objects the gateway writes, and reading the agent's
// responses (a whole JSON body or one SSE event's data) into the request's A2aExchange. A2A v0.3
// results are flat (`{kind: "task", id, contextId, status}`); v1.0 results name their kind as
// the key (`{task: {...}}`, `{message}`, `{statusUpdate}`, `{artifactUpdate}`), except GetTask
// and CancelTask, whose result is the Task itself.
import type { A2aExchange, JsonRpcId } from './exchange.js';

import { GATEWAY_REFUSED, INTERNAL_ERROR } from '../http/jsonrpc-codes.js';

export { GATEWAY_REFUSED, INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR } from '../http/jsonrpc-codes.js';

/** The code for a gateway-made error of this HTTP status. */
export function codeForStatus(status: number): number {
  return status >= 500 ? INTERNAL_ERROR : GATEWAY_REFUSED;
}

export interface JsonRpcErrorObject {
  readonly jsonrpc: '2.0';
  readonly id: JsonRpcId;
  readonly error: { readonly code: number; readonly message: string; readonly data?: unknown };
}

export function errorEnvelope(id: JsonRpcId, code: number, message: string, data?: unknown): JsonRpcErrorObject {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}

/**
 * Records what one JSON-RPC response (or one streamed event) says about the task and context;
 * returns whether it carried a result or an error (null: neither, or not a JSON-RPC object).
 * Outcome is the caller's call: a stream succeeds only once it has ended.
 */
export function readResponse(x: A2aExchange, value: unknown): 'result' | 'error' | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as { error?: unknown; result?: unknown };
  if (v.error !== undefined && v.error !== null) {
    const code = (v.error as { code?: unknown }).code;
    if (typeof code === 'number' && Number.isInteger(code)) x.errorCode = code;
    return 'error';
  }
  if (v.result === undefined || v.result === null) return null;
  if (typeof v.result === 'object' && !Array.isArray(v.result)) readResult(x, v.result as Record<string, unknown>);
  return 'result';
}

/** v1.0 result keys and the v0.3 `kind` each corresponds to. */
const V1_KINDS: readonly (readonly [string, string])[] = [
  ['task', 'task'],
  ['message', 'message'],
  ['statusUpdate', 'status-update'],
  ['artifactUpdate', 'artifact-update'],
];

function readResult(x: A2aExchange, result: Record<string, unknown>): void {
  for (const [key, kind] of V1_KINDS) {
    const inner = result[key];
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
      readObject(x, kind, inner as Record<string, unknown>);
      return;
    }
  }
  if (typeof result.kind === 'string') readObject(x, result.kind, result);
  else if (typeof result.id === 'string' && result.status !== undefined) readObject(x, 'task', result);
}

function readObject(x: A2aExchange, kind: string, o: Record<string, unknown>): void {
  x.resultKind = kind;
  // A task names itself `id`; messages and update events name their task `taskId`.
  x.setTask(kind === 'task' ? o.id : o.taskId);
  x.setContext(o.contextId);
  const status = o.status as { state?: unknown } | undefined;
  if (status !== null && typeof status === 'object') x.setState(status.state);
}
