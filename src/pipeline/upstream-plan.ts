// What one upstream attempt sends, per backend kind: the endpoint (for AI backends, the
// provider picked in the priority groups), its path, its rewritten headers (backend auth,
// header modifiers) and the body (kept by the request, so every retry replays it), plus the
// listener that will handle the response. The attempt loop (attempt.ts) calls a plan once per
// attempt.
import { conversionFor } from '../llm/convert/index.js';
import { mockModels, mockRespond, mockRespondVia } from '../llm/providers/index.js';
import { rewriteHeaders } from '../native/index.js';
import type { AiBackendRt, AiGroupsRt, HostBackendRt } from '../runtime/snapshot.js';
import type { PlanAttempt, Prepared } from './attempt.js';
import type { RequestCtx } from './context.js';
import { GatewayError } from '../errors.js';
import { finish } from './finish.js';
import { aiRequestHeaders, aiUpstreamPath, clientRequest } from './forward.js';
import { countTokens } from './count-tokens.js';
import { providerBody, providerRequest, type LlmPlan } from './llm.js';
import { LlmResponse } from './llm-response.js';
import { playLocalReply } from './local-reply.js';
import { ProxyResponse, type ResponseWatcher } from './proxy-response.js';
import { a2aListener } from './a2a.js';
import { watchBedrockNative, watchDetected } from './detect.js';
import { countPlacement, pickSlot } from './affinity.js';

export function hostPlan(b: HostBackendRt): PlanAttempt {
  return (ctx) => {
    ctx.upstream.backend = b;
    const { headers, query } = clientRequest(ctx, b);
    const q = query === '' ? '' : `?${query}`;
    const path = ctx.path;
    return {
      fwd: { path: path + q, headers: rewriteHeaders(headers, b.requestHeaders), body: ctx.down.body },
      // A2A routes read agent cards and JSON-RPC answers; everything else is relayed as it is
      listener: ctx.a2a === null ? new ProxyResponse(ctx, b.responseHeaders, finish) : a2aListener(ctx, b, path, finish),
    };
  };
}

export function aiPlan(g: AiGroupsRt, plan: LlmPlan): PlanAttempt {
  return (ctx) => {
    const p = pickProvider(ctx, g);
    ctx.upstream.backend = p;
    countPlacement(ctx);
    if (ctx.routeType === 'anthropicTokenCount') {
      const prepared = countTokens(ctx, g, p);
      return prepared === null ? null : authorized(ctx, p, prepared);
    }
    if (p.mock !== null) return answerLocally(ctx, g, p, plan);
    if (ctx.routeType === 'models' && p.model !== undefined) {
      playLocalReply(ctx, mockModels(p.model), finish);
      return null;
    }
    const client = clientRequest(ctx, p);
    if (plan.clientFormat === null) {
      // passthrough / detect / models without a configured model: the body goes as it came.
      // detect also reads model and usage, so like LLM routes it asks for an uncompressed body;
      // so do native Bedrock calls (AWS SDK clients) passed through to Bedrock.
      const watcher = watchRelayed(ctx, p);
      return authorized(ctx, p, {
        fwd: {
          path: aiUpstreamPath(ctx, p, null, client.query),
          headers: aiRequestHeaders(p, watcher !== null, client.headers),
          // A weighted or conditional virtual model replaced the body's model with its target.
          body: ctx.llm.virtualModel !== undefined && ctx.llmBody !== null ? Buffer.from(JSON.stringify(ctx.llmBody)) : ctx.down.body,
        },
        listener: new ProxyResponse(ctx, p.responseHeaders, finish, watcher),
      });
    }
    const req = providerRequest(ctx, g, p, plan);
    return authorized(ctx, p, {
      fwd: {
        path: aiUpstreamPath(ctx, p, req.call, client.query),
        headers: aiRequestHeaders(p, true, client.headers, req.call.format),
        body: req.body,
      },
      listener: new LlmResponse(ctx, req.conversion, plan.clientWantsUsage, p.llmResponseHeaders, finish, g.guard),
    });
  };
}

/** What reads model and usage beside a relayed body: detect routes, and native Bedrock calls passed through. */
function watchRelayed(ctx: RequestCtx, p: AiBackendRt): ResponseWatcher | null {
  if (ctx.routeType === 'detect') return watchDetected(ctx, p);
  if (ctx.routeType === 'passthrough' && p.provider.implicitAuth === 'aws') return watchBedrockNative(ctx);
  return null;
}

/**
 * Providers the gateway signs for (Bedrock's SigV4): the request is signed as it will be sent,
 * path, host and body, once per attempt (a retry signs again, with a fresh date). Signing waits
 * only for the first credentials (or their refresh); a failure answers 502 in the client's dialect.
 */
function signed(ctx: RequestCtx, p: AiBackendRt, prepared: Prepared): Prepared | Promise<Prepared> {
  const signer = p.awsAuth;
  if (signer === null || p.target === null) return prepared;
  const host = new URL(p.target.origin).host;
  const fwd = prepared.fwd;
  fwd.headers.push('host', host);
  return signer.headers({ method: ctx.down.method, host, path: fwd.path, body: fwd.body }).then((extra) => {
    fwd.headers.push(...extra);
    return prepared;
  });
}

/** The provider's own auth, added per attempt: a Google OAuth token, or Bedrock's SigV4 signature. */
function authorized(ctx: RequestCtx, p: AiBackendRt, prepared: Prepared): Prepared | Promise<Prepared> {
  return p.tokenAuth !== null ? withGcpToken(p, prepared) : signed(ctx, p, prepared);
}

/**
 * Backend auth that needs a token the gateway mints (Google OAuth): the cached token goes in at
 * once; only when there is none yet (or it is about to expire) does the attempt wait for it.
 * A failed exchange rejects with the error the client gets (401 or 502, in its dialect).
 */
function withGcpToken(p: AiBackendRt, prepared: Prepared): Prepared | Promise<Prepared> {
  const source = p.tokenAuth;
  if (source === null) return prepared;
  // The client's credentials were dropped by the backend's header rules (compile.ts).
  const put = (token: string): Prepared => {
    prepared.fwd.headers.push('authorization', `Bearer ${token}`);
    return prepared;
  };
  const token = source.token();
  return typeof token === 'string' ? put(token) : token.then(put);
}

/**
 * The provider for this attempt: the only one, else in the first group still in rotation, the
 * session's (sessionAffinity) or pick-2's.
 */
function pickProvider(ctx: RequestCtx, g: AiGroupsRt): AiBackendRt {
  if (g.balancer === null) return g.groups[0]![0]!;
  const slot = pickSlot(ctx, g);
  return g.groups[slot.bucket]![slot.index]!;
}

function answerLocally(ctx: RequestCtx, g: AiGroupsRt, p: AiBackendRt, plan: LlmPlan): null {
  if (ctx.routeType === 'models') {
    playLocalReply(ctx, mockModels(p.model ?? p.mock!.model), finish);
    return null;
  }
  const format = plan.clientFormat;
  if (format === 'responses') {
    const reply = mockRespondVia(conversionFor('responses', 'completions'), providerBody(ctx, g, p, plan.body!), p.mock!);
    playLocalReply(ctx, reply, finish);
    return null;
  }
  if (format !== 'completions' && format !== 'messages') {
    throw new GatewayError('path_not_served', `the mock provider answers chat completions, messages and responses, not ${ctx.path}`);
  }
  playLocalReply(ctx, mockRespond(format, providerBody(ctx, g, p, plan.body!), p.mock!), finish);
  return null;
}
