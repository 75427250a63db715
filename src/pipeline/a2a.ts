// A2A routes (policies.a2a) in the request path. The route's compiled flag decides, so other
// routes pay one boolean test. The request is read once when the route is known (before the
// request policies: CEL rules read a2a.method); from then on errors are JSON-RPC error objects
// (respond.ts). Forwarding picks how the answer is relayed: agent cards are rewritten to point
// at the gateway, calls are relayed byte for byte (SSE streamed with backpressure) while their
// JSON-RPC responses are read for the access log, trace and metric.
import { cardSuffix, classifyA2a } from '../a2a/classify.js';
import { publicOrigin, type CardLocation } from '../a2a/card.js';
import { A2aResponseWatcher } from '../a2a/response-watch.js';
import type { HostBackendRt } from '../runtime/snapshot.js';
import type { UpstreamCall, UpstreamListener } from '../upstream/dispatch.js';
import { AgentCardResponse, type CardPlacement } from './agent-card-response.js';
import type { RequestCtx } from './context.js';
import { GatewayError } from '../errors.js';
import { ProxyResponse } from './proxy-response.js';

export function startA2a(ctx: RequestCtx): void {
  const down = ctx.down;
  ctx.a2a = classifyA2a(down.method, ctx.path, down.body);
}

/** Extended-card calls answer with a card, whose URLs need the same rewriting as the public one. */
const EXTENDED_CARD = new Set(['GetExtendedAgentCard', 'agent/getAuthenticatedExtendedCard']);

/**
 * The listener for the agent's answer to an A2A request going to `path` on the backend. A call
 * that is not valid JSON-RPC is refused here, after authentication and authorization ran.
 */
export function a2aListener(
  ctx: RequestCtx,
  b: HostBackendRt,
  path: string,
  finish: (ctx: RequestCtx) => void,
): UpstreamListener & { call: UpstreamCall | null } {
  const x = ctx.a2a!;
  if (x.problem !== null) throw new GatewayError('invalid_jsonrpc', x.problem.message, { rpcCode: x.problem.code });
  if (x.binding === 'card') return new AgentCardResponse(ctx, b.responseHeaders, cardLocation(ctx, b, path, true), 'body', finish);
  if (EXTENDED_CARD.has(x.method)) {
    const placement: CardPlacement = x.binding === 'jsonrpc' ? 'result' : 'body';
    return new AgentCardResponse(ctx, b.responseHeaders, cardLocation(ctx, b, path, false), placement, finish);
  }
  return new ProxyResponse(ctx, b.responseHeaders, finish, x.binding === 'other' ? null : new A2aResponseWatcher(x));
}

/**
 * Where the card is for the client and for the backend. The public card's base is its path minus
 * the well-known suffix; an extended card comes from the call's endpoint, which says nothing of
 * the agent's base, so its URLs keep their paths and only take the gateway's origin.
 */
function cardLocation(ctx: RequestCtx, b: HostBackendRt, path: string, wellKnown: boolean): CardLocation {
  const origin = publicOrigin(ctx.header('host'), ctx.header('x-forwarded-proto'));
  if (origin === undefined) {
    throw new GatewayError('missing_host', 'agent card requests need a Host header naming the gateway (host[:port])');
  }
  const suffix = wellKnown ? cardSuffix(ctx.path) : undefined;
  const strip = (p: string) => (suffix !== undefined && p.endsWith(suffix) ? p.slice(0, -suffix.length) : '');
  return { publicOrigin: origin, gatewayBase: strip(ctx.path), backendCardUrl: b.target.origin + path, backendBase: strip(path) };
}
