// The request path, in order. Every request runs these phases and nothing else:
//
//   listener/route match -> request policies -> backend select -> LLM plan (route type,
//   body, model) -> provider translation -> upstream (undici) -> response / stream translation
//   -> respond -> finish (observability; always, exactly once)
//
// Errors thrown by any phase become one response in the caller's dialect (respond.ts).
import { mockModels, mockRespond } from '../llm/providers/index.js';
import type { AiBackendRt, BindRt, HostBackendRt, Snapshot } from '../runtime/snapshot.js';
import { RequestCtx } from './context.js';
import type { Downstream } from './downstream.js';
import { GatewayError } from './errors.js';
import { watchDetected } from './detect.js';
import { finish } from './finish.js';
import { aiRequestHeaders, aiUpstreamPath, dispatch } from './forward.js';
import { planLlm, type LlmPlan } from './llm.js';
import { playLocalReply } from './local-reply.js';
import { LlmResponse } from './llm-response.js';
import { ProxyResponse } from './proxy-response.js';
import { conversionFor } from '../llm/convert/index.js';
import { sendError } from './respond.js';
import { selectBackend, selectRoute } from './select.js';
import { rewriteRequestHeaders } from '../policies/header-rules.js';

export function handle(down: Downstream, snapshot: Snapshot, bind: BindRt): void {
  const ctx = new RequestCtx(down, snapshot, bind);
  try {
    selectRoute(ctx);
    // Request policies (once per request) run here, before a backend is chosen.
    const backend = selectBackend(ctx);
    ctx.backend = backend;
    if (backend.kind === 'host') forwardHost(ctx, backend);
    else forwardAi(ctx, backend);
  } catch (e) {
    sendError(ctx, e);
    finish(ctx);
  }
}

function forwardHost(ctx: RequestCtx, b: HostBackendRt): void {
  const q = ctx.down.query === '' ? '' : `?${ctx.down.query}`;
  dispatch(
    ctx,
    { path: ctx.down.path + q, headers: rewriteRequestHeaders(ctx.down.headers, b.requestHeaders), body: ctx.down.body },
    new ProxyResponse(ctx, b.responseHeaders, finish),
    finish,
  );
}

function forwardAi(ctx: RequestCtx, b: AiBackendRt): void {
  const plan = planLlm(ctx, b);
  if (b.mock !== null) return answerLocally(ctx, b, plan);
  if (ctx.routeType === 'models' && b.model !== undefined) return playLocalReply(ctx, mockModels(b.model), finish);
  if (plan.clientFormat === null) {
    // passthrough / detect / models without a configured model: the body goes as it came.
    // detect also reads model and usage, so like LLM routes it asks for an uncompressed body.
    const watcher = ctx.routeType === 'detect' ? watchDetected(ctx, b) : null;
    dispatch(
      ctx,
      { path: aiUpstreamPath(ctx, b, null), headers: aiRequestHeaders(ctx, b, watcher !== null), body: ctx.down.body },
      new ProxyResponse(ctx, b.responseHeaders, finish, watcher),
      finish,
    );
    return;
  }
  forwardLlm(ctx, b, plan);
}

function forwardLlm(ctx: RequestCtx, b: AiBackendRt, plan: LlmPlan): void {
  const conversion = conversionFor(plan.clientFormat!, plan.providerFormat!);
  const body = plan.body!;
  const options = body.stream_options as { include_usage?: unknown } | undefined;
  const clientWantsUsage = plan.clientFormat === 'completions' && options?.include_usage === true;
  // Translation may refuse what the provider cannot express (a 400 naming the field).
  const upstreamBody = conversion.request(body);
  dispatch(
    ctx,
    {
      path: aiUpstreamPath(ctx, b, plan.providerFormat),
      headers: aiRequestHeaders(ctx, b, true),
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
