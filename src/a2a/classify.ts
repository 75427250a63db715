// Reading an A2A request once, before the request policies (whose CEL rules may read
// a2a.method): an agent-card fetch, a JSON-RPC call (method, id, and the task and context it
// names), or an HTTP+JSON (REST binding) call whose operation is in the path.
//
// Every POST that is not an HTTP+JSON operation is held to JSON-RPC 2.0, whatever its
// Content-Type: a body the gateway cannot read would carry a method no rule saw, so a rule
// denying `tasks/cancel` could be sidestepped by mislabelling the body. Such requests are
// marked with a `problem` (-32700 parse error, -32600 invalid request) and refused after
// authentication, so an anonymous client learns nothing beyond its 401. For the same reason a
// JSON-RPC body posted to an HTTP+JSON operation's path is refused: an HTTP+JSON agent runs the
// path's operation, a JSON-RPC one the body's method, and a rule can only judge one of them
// (agentgateway takes the body's method; a body saying `message/send` on `/tasks/t:cancel`
// would then pass a rule that denies cancelling).
import { JsonBodyError, parseJsonBody } from '../http/json-body.js';
import { A2aExchange } from './exchange.js';
import { INVALID_REQUEST, PARSE_ERROR } from './jsonrpc.js';

const CARD_SUFFIXES = ['/.well-known/agent-card.json', '/.well-known/agent.json'] as const;

/** The agent-card suffix the path ends with (v0.3+ `agent-card.json`, older `agent.json`), if any. */
export function cardSuffix(path: string): string | undefined {
  for (const s of CARD_SUFFIXES) if (path.endsWith(s)) return s;
  return undefined;
}

export function classifyA2a(method: string, path: string, body: Uint8Array | null): A2aExchange {
  if (method === 'GET' && cardSuffix(path) !== undefined) return new A2aExchange('card');
  if (method === 'POST') {
    const parsed = parseBody(body);
    const rpc = parsed !== NOT_JSON && !(parsed instanceof JsonBodyError) && isJsonRpcShaped(parsed);
    const rest = restOperation(method, path);
    if (rest !== undefined && !rpc) return restCall(rest);
    if (rpc) {
      const x = jsonRpcCall(parsed as Record<string, unknown>);
      if (rest !== undefined && x.problem === null)
        x.problem = invalid(`the path names the HTTP+JSON operation ${rest.name}; a JSON-RPC request cannot be sent to it`);
      return x;
    }
    const x = new A2aExchange('jsonrpc');
    x.problem =
      parsed === NOT_JSON
        ? { code: PARSE_ERROR, message: 'Parse error: the request body is not valid JSON' }
        : parsed instanceof JsonBodyError
          ? invalid(parsed.message)
          : invalid('the request body is not a JSON-RPC 2.0 request object');
    return x;
  }
  const rest = restOperation(method, path);
  return rest !== undefined ? restCall(rest) : new A2aExchange('other');
}

const NOT_JSON = Symbol('not JSON');

/** The body's value; NOT_JSON, or the JsonBodyError of JSON nested too deep to read. */
function parseBody(body: Uint8Array | null): unknown {
  if (body === null || body.length === 0) return NOT_JSON;
  try {
    return parseJsonBody(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (e) {
    return e instanceof JsonBodyError && e.kind === 'depth' ? e : NOT_JSON;
  }
}

/** A JSON-RPC request names itself: agentgateway, like the SDKs, prefers the body's method to the path. */
function isJsonRpcShaped(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && ('jsonrpc' in v || 'method' in v);
}

function invalid(why: string): { code: number; message: string } {
  return { code: INVALID_REQUEST, message: `Invalid Request: ${why}` };
}

function jsonRpcCall(req: Record<string, unknown>): A2aExchange {
  const x = new A2aExchange('jsonrpc');
  const id = req.id;
  const idOk = id === undefined || id === null || typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id));
  if (idOk && id !== undefined) x.id = id as string | number | null;
  if (req.jsonrpc !== '2.0') x.problem = invalid('"jsonrpc" must be "2.0"');
  else if (!idOk) x.problem = invalid('"id" must be a string, an integer or null');
  else if (typeof req.method !== 'string' || req.method === '') x.problem = invalid('"method" must be a non-empty string');
  else if (req.params !== undefined && (req.params === null || typeof req.params !== 'object'))
    x.problem = invalid('"params" must be an object or an array');
  if (x.problem !== null) return x;
  x.method = req.method as string;
  if (req.params !== undefined) readParams(x, req.params as Record<string, unknown>);
  return x;
}

/** v1.0 push-config requests use `id` for the config, not the task (their task is `taskId`). */
const CONFIG_ID_METHODS = new Set(['GetTaskPushNotificationConfig', 'DeleteTaskPushNotificationConfig']);

/** The task and context the request names: `params.id` (tasks/get, GetTask), `taskId`, or the message's. */
function readParams(x: A2aExchange, params: Record<string, unknown>): void {
  const message = params.message as { taskId?: unknown; contextId?: unknown } | undefined;
  const hasMessage = message !== null && typeof message === 'object';
  x.setTask(params.taskId);
  if (x.taskId === undefined && !CONFIG_ID_METHODS.has(x.method)) x.setTask(params.id);
  if (x.taskId === undefined && hasMessage) x.setTask(message.taskId);
  x.setContext(hasMessage ? message.contextId : params.contextId);
}

function restCall(op: RestOperation): A2aExchange {
  const x = new A2aExchange('rest');
  x.method = op.name;
  if (op.taskId !== undefined) {
    try {
      x.setTask(decodeURIComponent(op.taskId));
    } catch {
      x.setTask(op.taskId);
    }
  }
  return x;
}

interface RestOperation {
  /** The operation's canonical name (A2A v1.0 §5.3), shared with the JSON-RPC and gRPC bindings. */
  readonly name: string;
  /** The task id from the path, as written (percent-encoded). */
  readonly taskId?: string | undefined;
}

/**
 * The HTTP+JSON operation of a request (A2A v1.0 §11.3), matched on trailing segments because the
 * agent may live under any prefix; task and config ids are opaque, so only their positions count.
 */
export function restOperation(method: string, path: string): RestOperation | undefined {
  const seg = path.split('/').filter((s) => s !== '');
  const at = (n: number): string | undefined => seg[seg.length - 1 - n];
  const last = at(0);
  if (last === undefined) return undefined;
  if (method === 'POST') return restPost(last, at);
  if (method === 'GET') {
    if (last === 'extendedAgentCard') return { name: 'GetExtendedAgentCard' };
    if (last === 'pushNotificationConfigs' && at(1) !== undefined && at(2) === 'tasks')
      return { name: 'ListTaskPushNotificationConfigs', taskId: at(1) };
    if (at(1) === 'pushNotificationConfigs' && at(3) === 'tasks') return { name: 'GetTaskPushNotificationConfig', taskId: at(2) };
    // A colon in a GET path is part of the task id: custom verbs exist only on POST.
    if (at(1) === 'tasks') return { name: 'GetTask', taskId: last };
    if (last === 'tasks') return { name: 'ListTasks' };
    return undefined;
  }
  if (method === 'DELETE' && at(1) === 'pushNotificationConfigs' && at(3) === 'tasks') {
    return { name: 'DeleteTaskPushNotificationConfig', taskId: at(2) };
  }
  return undefined;
}

/** POST operations: `message:send`, `tasks/{id}:cancel` (a custom verb on the last segment), push configs. */
function restPost(last: string, at: (n: number) => string | undefined): RestOperation | undefined {
  const colon = last.lastIndexOf(':');
  if (colon < 0) {
    if (last === 'stream' && at(1) === 'message') return { name: 'SendStreamingMessage' };
    if (last === 'pushNotificationConfigs' && at(1) !== undefined && at(2) === 'tasks')
      return { name: 'CreateTaskPushNotificationConfig', taskId: at(1) };
    return undefined;
  }
  const noun = last.slice(0, colon);
  const verb = last.slice(colon + 1);
  if (noun === 'message' && verb === 'send') return { name: 'SendMessage' };
  if (noun === 'message' && verb === 'stream') return { name: 'SendStreamingMessage' };
  if (at(1) === 'tasks' && verb === 'cancel') return { name: 'CancelTask', taskId: noun };
  if (at(1) === 'tasks' && verb === 'subscribe') return { name: 'SubscribeToTask', taskId: noun };
  return undefined;
}
