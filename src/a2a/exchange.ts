// What the gateway knows about one request on an A2A route: filled from the request when it is
// classified (method, JSON-RPC id, task and context ids the client named) and then from the
// agent's JSON-RPC response or SSE events (task id and state, context id, outcome, error code).
// It is the request's A2A part of the access log, the trace and the A2A metric; CEL reads
// `method` from it.

/** How the request reached the agent: a JSON-RPC call, an HTTP+JSON (REST) call, or a card fetch. */
export type A2aBinding = 'jsonrpc' | 'rest' | 'card' | 'other';

export type A2aOutcome = 'success' | 'error' | 'unknown';

/** JSON-RPC request ids are strings, integers or null (JSON-RPC 2.0 §4). */
export type JsonRpcId = string | number | null;

/** Ids and states are logged; a client could send megabytes, so they are cut. */
const MAX_FIELD = 256;

export class A2aExchange {
  /** The JSON-RPC method as sent, or the HTTP+JSON operation's canonical name; '' when neither. */
  method = '';
  /** JSON-RPC id of the request (echoed in gateway-made errors); null when none. */
  id: JsonRpcId = null;
  taskId: string | undefined;
  contextId: string | undefined;
  /** Task state as the agent wrote it (`working` in v0.3, `TASK_STATE_WORKING` in v1.0). */
  taskState: string | undefined;
  /** Kind of the (last) result: task, message, status-update, artifact-update. */
  resultKind: string | undefined;
  outcome: A2aOutcome | undefined;
  errorCode: number | undefined;
  /** The response was a server-sent event stream. */
  streaming = false;
  /** Why the request is not valid JSON-RPC (refused after authentication), if it is not. */
  problem: { readonly code: number; readonly message: string } | null = null;

  constructor(readonly binding: A2aBinding) {}

  setTask(id: unknown): void {
    if (typeof id === 'string' && id !== '') this.taskId = cut(id);
  }

  setContext(id: unknown): void {
    if (typeof id === 'string' && id !== '') this.contextId = cut(id);
  }

  setState(state: unknown): void {
    if (typeof state === 'string' && state !== '') this.taskState = cut(state);
  }
}

function cut(s: string): string {
  return s.length > MAX_FIELD ? s.slice(0, MAX_FIELD) : s;
}

/**
 * The access-log and span fields, with agentgateway's keys (telemetry/log.rs) plus the task id.
 * Unset values are left out.
 */
export function a2aLogFields(x: A2aExchange): Record<string, string | number> {
  const out: Record<string, string | number> = { protocol: 'a2a' };
  if (x.method !== '') out['a2a.method'] = x.method.length > MAX_FIELD ? x.method.slice(0, MAX_FIELD) : x.method;
  if (x.outcome !== undefined) out['a2a.response.outcome'] = x.outcome;
  if (x.errorCode !== undefined) out['a2a.response.error_code'] = x.errorCode;
  if (x.resultKind !== undefined) out['a2a.result.kind'] = x.resultKind;
  if (x.taskId !== undefined) out['a2a.task.id'] = x.taskId;
  if (x.taskState !== undefined) out['a2a.task.state'] = x.taskState;
  if (x.contextId !== undefined) out['a2a.context.id'] = x.contextId;
  return out;
}
