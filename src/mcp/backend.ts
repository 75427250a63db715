// A route's compiled `mcp` backend: its targets, naming, modes and authorization, and the live
// session store (carried across reloads while targets and modes are unchanged).
import type { McpAuthorization } from './authorization.js';
import type { McpExchange, McpResourceRef } from './exchange.js';
import { paramString, type JsonRpcRequest } from './jsonrpc.js';
import type { Namer } from './names.js';
import type { SessionStore } from './sessions.js';
import type { McpSession } from './session.js';
import type { McpTargetRt } from './targets.js';

export type FailureMode = 'failClosed' | 'failOpen';

export class McpBackend {
  constructor(
    readonly name: string,
    readonly targets: readonly McpTargetRt[],
    readonly namer: Namer,
    readonly stateful: boolean,
    readonly failureMode: FailureMode,
    /** Route and backend mcpAuthorization combined; null: everything is visible. */
    readonly authorization: McpAuthorization | null,
    readonly store: SessionStore,
    readonly dnsRebindingProtection: boolean,
    /** The gateway's version (serverInfo of federated sessions). */
    readonly version: string,
  ) {}

  /**
   * What a request names (tool, prompt, resource) with the target prefix resolved, for CEL
   * (rate-limit keys on mcp.tool.name) and the logs. With prefixMode never the target comes
   * from what the session learnt from its lists ('' if not yet known).
   */
  describe(req: JsonRpcRequest, session: McpSession | undefined): McpResourceRef | undefined {
    const p = req.params;
    switch (req.method) {
      case 'tools/call':
        return this.named('tool', paramString(p, 'name'), session);
      case 'prompts/get':
        return this.named('prompt', paramString(p, 'name'), session);
      case 'completion/complete': {
        const ref = p?.ref as { type?: unknown; name?: unknown; uri?: unknown } | undefined;
        if (ref?.type === 'ref/prompt') return this.named('prompt', typeof ref.name === 'string' ? ref.name : undefined, session);
        if (ref?.type === 'ref/resource') return this.uri(typeof ref.uri === 'string' ? ref.uri : undefined);
        return undefined;
      }
      case 'resources/read':
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return this.uri(paramString(p, 'uri'));
      default:
        return undefined;
    }
  }

  private named(type: 'tool' | 'prompt', name: string | undefined, session: McpSession | undefined): McpResourceRef | undefined {
    if (name === undefined) return undefined;
    const r = this.namer.inName(name);
    if (r === null) return undefined;
    const target = r.target !== '' ? r.target : (session?.owners.get(`${type}:${name}`) ?? '');
    return { type, target, name: r.name };
  }

  private uri(uri: string | undefined): McpResourceRef | undefined {
    if (uri === undefined) return undefined;
    const r = this.namer.inUri(uri);
    return r === null ? undefined : { type: 'resource', target: r.target, name: r.uri };
  }

  /** Records what the request names on its exchange (CEL, logs, metric labels). */
  noteRequest(x: McpExchange, req: JsonRpcRequest, session: McpSession | undefined): void {
    const ref = this.describe(req, session);
    if (ref !== undefined) x.setResource(ref.type, ref.target, ref.name);
  }

  liveStatus(): Record<string, unknown> {
    return this.store.liveStatus();
  }
}
