// What the gateway knows about one HTTP request on an MCP route: the JSON-RPC method and id, the
// session, which tool, prompt or resource it names (after the target prefix is resolved), and how
// it ended. It feeds CEL (`mcp.*`), the access log and trace (agentgateway's `mcp.*` keys) and
// agentgateway_mcp_requests_total. GET streams and DELETEs carry no method and are not counted.
import type { ClientMessage, RequestId } from './jsonrpc.js';

export type McpResourceType = 'tool' | 'prompt' | 'resource' | 'templates';

export interface McpResourceRef {
  readonly type: McpResourceType;
  /** The target serving it ('' while unresolved). */
  readonly target: string;
  /** The name (URI for resources) as the target knows it, without the gateway's prefix. */
  readonly name: string;
}

/** `cancelled`: the client cancelled the request or went away before its answer. */
export type McpOutcome = 'success' | 'error' | 'cancelled';

/** Names and messages reach logs and metric labels: a client could send megabytes. */
const MAX_FIELD = 256;

export class McpExchange {
  /** The JSON-RPC method ('' for GET streams, DELETE and metadata fetches). */
  method = '';
  id: RequestId | null = null;
  /** The POSTed message, read once before the request policies. */
  message: ClientMessage | null = null;
  sessionId: string | undefined;
  /** The tool, prompt or resource the request names. */
  resource: McpResourceRef | undefined;
  /** While authorization filters a list: the item being judged (CEL reads it as mcp.tool etc.). */
  checking: McpResourceRef | null = null;
  outcome: McpOutcome | undefined;
  errorCode: number | undefined;
  errorMessage: string | undefined;

  constructor(
    /** The route's MCP backend (stable object: metric series are keyed by it). */
    readonly backend: { readonly name: string } | null,
  ) {}

  get backendName(): string | undefined {
    return this.backend?.name;
  }

  setResource(type: McpResourceType, target: string, name: string): void {
    this.resource = { type, target, name: cut(name) };
  }

  succeeded(): void {
    this.outcome ??= 'success';
  }

  cancelled(): void {
    this.outcome ??= 'cancelled';
  }

  failed(code: number, message: string): void {
    if (this.outcome !== undefined) return;
    this.outcome = 'error';
    this.errorCode = code;
    this.errorMessage = cut(message);
  }

  /** CEL `mcp.tool` / `mcp.prompt` / `mcp.resource`: the item being judged, else the request's. */
  celResource(type: McpResourceType): { target: string; name: string } | undefined {
    const r = this.checking ?? this.resource;
    return r !== undefined && (r.type === type || (type === 'resource' && r.type === 'templates'))
      ? { target: r.target, name: r.name }
      : undefined;
  }
}

function cut(s: string): string {
  return s.length > MAX_FIELD ? s.slice(0, MAX_FIELD) : s;
}

/** The access-log and span fields, with agentgateway's keys (telemetry/log.rs). Unset values are left out. */
export function mcpLogFields(x: McpExchange): Record<string, string | number> {
  const out: Record<string, string | number> = { protocol: 'mcp' };
  if (x.method !== '') out['mcp.method.name'] = cut(x.method);
  if (x.sessionId !== undefined) out['mcp.session.id'] = x.sessionId;
  const r = x.resource;
  if (r !== undefined) {
    if (r.target !== '') out['mcp.target'] = r.target;
    out['mcp.resource.type'] = r.type;
    if (r.type === 'tool') out['gen_ai.tool.name'] = r.name;
    else if (r.type === 'prompt') out['gen_ai.prompt.name'] = r.name;
    else out['mcp.resource.uri'] = r.name;
  }
  if (x.errorCode !== undefined) out['mcp.error.code'] = x.errorCode;
  if (x.errorMessage !== undefined) out['mcp.error.message'] = x.errorMessage;
  return out;
}
