// The request path, in order. Every request runs these phases and nothing else:
//
//   listener/route match -> request policies (CORS, CSRF, authentication, authorization)
//   -> backend select -> LLM plan (route type, body, model) -> checks needing the model
//   -> provider translation -> upstream (undici) -> response / stream translation
//   -> respond -> finish (observability; always, exactly once)
//
// Errors thrown by any phase become one response in the caller's dialect (respond.ts).
import { mockModels, mockRespond } from '../llm/providers/index.js';
import { checkAllowedModel } from '../policies/api-key.js';
import type { RequestPolicies } from '../policies/request-policies.js';
import type { PolicyOutcome } from '../policies/request-policy.js';
import type { AiBackendRt, BindRt, HostBackendRt, Snapshot } from '../runtime/snapshot.js';
import { RequestCtx } from './context.js';
import type { Downstream } from './downstream.js';
import { GatewayError } from './errors.js';
import { finish } from './finish.js';
import { aiRequestHeaders, aiUpstreamPath, clientRequest, dispatch } from './forward.js';
import { planLlm, type LlmPlan } from './llm.js';
import { playLocalReply } from './local-reply.js';
import { LlmResponse } from './llm-response.js';
import { ProxyResponse } from './proxy-response.js';
import { conversionFor } from '../llm/convert/index.js';
import { sendError, sendReply } from './respond.js';
import { selectBackend, selectRoute } from './select.js';
import { rewriteHeaders } from '../native/index.js';

export function handle(down: Downstream, snapshot: Snapshot, bind: BindRt): void {
  const ctx = new RequestCtx(down, snapshot, bind);
  try {
    selectRoute(ctx);
    const policies = ctx.route!.policies;
    const outcome = policies === null ? 'continue' : runRequestPolicies(ctx, policies, 0);
    if (outcome === 'continue') forward(ctx);
    else if (outcome !== 'answered') outcome.then((o) => resume(ctx, o), (e: unknown) => fail(ctx, e));
  } catch (e) {
    fail(ctx, e);
  }
}

type Step = (ctx: RequestCtx, p: RequestPolicies) => PolicyOutcome | Promise<PolicyOutcome>;
type PhaseResult = 'continue' | 'answered';

/** The request policies, once per request, in this order. */
const REQUEST_POLICIES: readonly Step[] = [
  // CORS first: a preflight carries no credentials, so it is answered before authentication,
  // and the headers CORS adds must be on any later error (a 401) for the browser to read it.
  (ctx, p) => p.cors?.apply(ctx),
  // CSRF before authentication: a forged cross-site request is refused without costing an IdP
  // round trip or a password hash.
  (ctx, p) => p.csrf?.apply(ctx),
  // Authentication (each may await: a JWKS fetch, a bcrypt check).
  (ctx, p) => p.jwtAuth?.apply(ctx),
  (ctx, p) => p.basicAuth?.apply(ctx),
  (ctx, p) => p.apiKey?.apply(ctx),
  // Authorization after authentication, because its rules read jwt.*, apiKey.* and basicAuth.*;
  // and before backend selection, so a denied request spends no upstream budget. Rules that read
  // llm.* wait for the parsed body (checksNeedingModel).
  (ctx, p) => {
    if (p.authorization !== undefined && !p.authorization.needsLlm) p.authorization.check(ctx);
    return undefined;
  },
];

function runRequestPolicies(ctx: RequestCtx, p: RequestPolicies, from: number): PhaseResult | Promise<PhaseResult> {
  for (let i = from; i < REQUEST_POLICIES.length; i++) {
    const out = REQUEST_POLICIES[i]!(ctx, p);
    if (out === undefined) continue;
    if (out instanceof Promise) return out.then((o) => (o === undefined ? runRequestPolicies(ctx, p, i + 1) : answer(ctx, o)));
    return answer(ctx, out);
  }
  return 'continue';
}

function answer(ctx: RequestCtx, reply: Exclude<PolicyOutcome, undefined>): PhaseResult {
  sendReply(ctx, reply);
  finish(ctx);
  return 'answered';
}

/** After an asynchronous policy: the client may have left while it ran. */
function resume(ctx: RequestCtx, outcome: PhaseResult): void {
  if (outcome === 'answered') return;
  if (ctx.down.aborted) return finish(ctx);
  try {
    forward(ctx);
  } catch (e) {
    fail(ctx, e);
  }
}

function fail(ctx: RequestCtx, e: unknown): void {
  sendError(ctx, e);
  finish(ctx);
}

function forward(ctx: RequestCtx): void {
  const backend = selectBackend(ctx);
  ctx.backend = backend;
  if (backend.kind === 'host') forwardHost(ctx, backend);
  else forwardAi(ctx, backend);
}

/**
 * Checks that need the LLM request's model (authorization rules reading llm.*, the API key's
 * allowedModels) run once the body is parsed — still before any upstream call.
 */
function checksNeedingModel(ctx: RequestCtx): void {
  const authz = ctx.route!.policies?.authorization;
  if (authz?.needsLlm === true) authz.check(ctx);
  checkAllowedModel(ctx.apiKey, ctx.requestModel ?? ctx.upstreamModel);
}

function forwardHost(ctx: RequestCtx, b: HostBackendRt): void {
  checksNeedingModel(ctx);
  const { headers, query } = clientRequest(ctx, b);
  const q = query === '' ? '' : `?${query}`;
  dispatch(
    ctx,
    { path: ctx.down.path + q, headers: rewriteHeaders(headers, b.requestHeaders), body: ctx.down.body },
    new ProxyResponse(ctx, b.responseHeaders, finish),
    finish,
  );
}

function forwardAi(ctx: RequestCtx, b: AiBackendRt): void {
  const plan = planLlm(ctx, b);
  checksNeedingModel(ctx);
  if (b.mock !== null) return answerLocally(ctx, b, plan);
  if (ctx.routeType === 'models' && b.model !== undefined) return playLocalReply(ctx, mockModels(b.model), finish);
  const client = clientRequest(ctx, b);
  if (plan.clientFormat === null) {
    // passthrough / detect / models without a configured model: the body goes as it came
    dispatch(
      ctx,
      { path: aiUpstreamPath(ctx, b, null, client.query), headers: aiRequestHeaders(b, false, client.headers), body: ctx.down.body },
      new ProxyResponse(ctx, b.responseHeaders, finish),
      finish,
    );
    return;
  }
  forwardLlm(ctx, b, plan, client.headers, client.query);
}

function forwardLlm(ctx: RequestCtx, b: AiBackendRt, plan: LlmPlan, headers: readonly string[], query: string): void {
  const conversion = conversionFor(plan.clientFormat!, plan.providerFormat!);
  const body = plan.body!;
  const options = body.stream_options as { include_usage?: unknown } | undefined;
  const clientWantsUsage = plan.clientFormat === 'completions' && options?.include_usage === true;
  // Translation may refuse what the provider cannot express (a 400 naming the field).
  const upstreamBody = conversion.request(body);
  dispatch(
    ctx,
    {
      path: aiUpstreamPath(ctx, b, plan.providerFormat, query),
      headers: aiRequestHeaders(b, true, headers),
      body: Buffer.from(JSON.stringify(upstreamBody)),
    },
    new LlmResponse(ctx, conversion, clientWantsUsage, b.llmResponseHeaders, finish),
    finish,
  );
}

function answerLocally(ctx: RequestCtx, b: AiBackendRt, plan: LlmPlan): void {
  if (ctx.routeType === 'models') return playLocalReply(ctx, mockModels(b.model ?? b.mock!.model), finish);
  if (plan.clientFormat === null) {
    throw new GatewayError(404, 'not_found_error', `the mock provider answers chat completions and messages, not ${ctx.down.path}`, 'downstream');
  }
  playLocalReply(ctx, mockRespond(plan.clientFormat, plan.body!, b.mock!), finish);
}
