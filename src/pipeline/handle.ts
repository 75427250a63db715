// The request path, in order. Every request runs these phases and nothing else:
//
//   listener/route match -> A2A / MCP request reading (A2A and MCP routes)
//   -> request policies (CORS, CSRF, authentication, authorization) -> rate limits -> backend select
//   -> model routing (llm listener: the body's model picks the AI backend) -> LLM plan (route type, body, model, request shaping)
//   -> checks needing the model -> virtual key limits and budget reservation -> prompt guard -> session key (sessionAffinity)
//   -> upstream attempts (attempt.ts: provider pick, translation, backend auth, timeouts, health, retries) -> response / stream
//   translation and response guards -> respond -> finish (observability; always, exactly once)
//
// Errors thrown by any phase become one response in the caller's dialect (respond.ts).
import type { GatewayError } from '../errors.js';
import { checkAllowedModel } from '../policies/api-key.js';
import type { Observability } from '../observability/index.js';
import type { RateLimitPolicy } from '../policies/rate-limit.js';
import type { RequestPolicies } from '../policies/request-policies.js';
import type { PolicyOutcome } from '../policies/types.js';
import type { AiGroupsRt, BindRt, McpBackendRt, ModelRouterRt, Snapshot } from '../runtime/snapshot.js';
import { startA2a } from './a2a.js';
import { keySession } from './affinity.js';
import { routeMcp, serveMcp, startMcp } from './mcp.js';
import { runAttempts } from './attempt.js';
import { RequestCtx } from './context.js';
import type { Downstream } from './downstream.js';
import { finish } from './finish.js';
import { planLlm } from './llm.js';
import { routeModel } from './model-router.js';
import { startRequestTimeout } from './request-timeout.js';
import { sendError, sendReply } from './respond.js';
import { normalizeRequestPath, selectBackend, selectRoute } from './select.js';
import { admitKey } from './spend.js';
import { countBudgetRefused, countRateLimited, countRateLimitFailure } from './traffic-metrics.js';
import { aiPlan, hostPlan } from './upstream-plan.js';

export function handle(down: Downstream, snapshot: Snapshot, bind: BindRt, obs: Observability): void {
  const ctx = new RequestCtx(down, snapshot, bind, obs);
  try {
    // First: routes, CEL rules and the upstream all see the normalised path.
    normalizeRequestPath(ctx);
    selectRoute(ctx);
    const route = ctx.route!;
    // Before the request policies: authorization rules (and rate-limit keys) read a2a.method,
    // and every error from here on, a 401 included, is a JSON-RPC error object.
    if (route.a2a) startA2a(ctx);
    else if (route.mcp) startMcp(ctx);
    const requestMs = route.traffic?.timeouts?.requestMs ?? 0;
    if (requestMs > 0) startRequestTimeout(ctx, requestMs);
    const policies = route.policies;
    const outcome = policies === null ? 'continue' : runRequestPolicies(ctx, policies, 0);
    if (outcome === 'continue') forward(ctx);
    else if (outcome !== 'answered')
      outcome.then(
        (o) => resume(ctx, o),
        (e: unknown) => fail(ctx, e),
      );
  } catch (e) {
    fail(ctx, e);
  }
}

/**
 * A request refused before routing (a port without listeners, a body over the server's limit):
 * answered in the dialect its path implies, and observed (access log, metrics) like any other.
 */
export function refuse(down: Downstream, snapshot: Snapshot, bind: BindRt, obs: Observability, err: GatewayError): void {
  fail(new RequestCtx(down, snapshot, bind, obs), err);
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
  // After jwtAuth: agentgateway refuses a token another policy already consumed.
  (ctx, p) => p.mcpAuthentication?.apply(ctx),
  (ctx, p) => p.basicAuth?.apply(ctx),
  (ctx, p) => p.apiKey?.apply(ctx),
  // Authorization after authentication, because its rules read jwt.*, apiKey.* and basicAuth.*;
  // and before backend selection, so a denied request spends no upstream budget. Rules that read
  // llm.* wait for the parsed body (checksNeedingModel).
  (ctx, p) => (p.authorization?.needsLlm === false ? p.authorization.apply(ctx) : undefined),
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

/** After an asynchronous policy: the client may have left, or requestTimeout answered, meanwhile. */
function resume(ctx: RequestCtx, outcome: PhaseResult): void {
  if (outcome === 'answered') return;
  proceed(ctx, () => forward(ctx));
}

function proceed(ctx: RequestCtx, next: () => void): void {
  if (ctx.finished) return;
  if (ctx.down.aborted) return finish(ctx);
  try {
    next();
  } catch (e) {
    fail(ctx, e);
  }
}

/** Runs `step` (maybe asynchronous), then `next`; a rejection becomes the response. */
function then(ctx: RequestCtx, step: () => void | Promise<void>, next: () => void): void {
  const r = step();
  if (r === undefined) return next();
  r.then(
    () => proceed(ctx, next),
    (e: unknown) => {
      if (!ctx.finished) fail(ctx, e);
    },
  );
}

function fail(ctx: RequestCtx, e: unknown): void {
  sendError(ctx, e);
  finish(ctx);
}

function forward(ctx: RequestCtx): void {
  const rb = selectBackend(ctx);
  ctx.routeBackend = rb;
  const rateLimit = ctx.route!.traffic?.rateLimit ?? null;
  // Rate limits after authentication (their keys read jwt.* / apiKey.*, and anonymous floods
  // must not spend a tenant's budget) and before the body is parsed, unless a key reads llm.*.
  const early = rateLimit !== null && !rateLimit.needsLlm ? rateLimit : null;
  if (rb.kind === 'mcp') return forwardMcp(ctx, rb, rateLimit);
  if (rb.kind === 'host') {
    checksNeedingModel(ctx);
    return then(
      ctx,
      () => admit(ctx, early),
      () =>
        then(
          ctx,
          () => admitKeyed(ctx, null, null),
          () => runAttempts(ctx, hostPlan(rb)),
        ),
    );
  }
  const late = rateLimit?.needsLlm ? rateLimit : null;
  if (rb.kind === 'llm-router') {
    return then(
      ctx,
      () => admit(ctx, early),
      () => forwardModel(ctx, rb, late),
    );
  }
  then(
    ctx,
    () => admit(ctx, early),
    () => forwardAi(ctx, rb, late),
  );
}

/**
 * MCP: rate limits once what the request names is known (keys may read mcp.tool.name), then a
 * virtual key's own limits (as on host routes: no budget, a tool call costs no tokens).
 */
function forwardMcp(ctx: RequestCtx, b: McpBackendRt, rateLimit: RateLimitPolicy | null): void {
  routeMcp(ctx, b);
  then(
    ctx,
    () => admit(ctx, rateLimit),
    () =>
      then(
        ctx,
        () => admitKeyed(ctx, null, null),
        () => serveMcp(ctx, b),
      ),
  );
}

/**
 * The llm listener: the request's model picks the AI backend (after authentication, so the API
 * key's allowedModels and per-model authorization can be checked), then that model's own rate
 * limits apply, and the request goes on as on any AI route.
 */
function forwardModel(ctx: RequestCtx, router: ModelRouterRt, lateRateLimit: RateLimitPolicy | null): void {
  const choice = routeModel(ctx, router);
  if (choice === null) return;
  ctx.routeBackend = choice.backend;
  // The model is known: a request its rules deny must not spend the model's rate limit.
  checksNeedingModel(ctx);
  then(
    ctx,
    () => admit(ctx, choice.rateLimit),
    () => forwardAi(ctx, choice.backend, lateRateLimit, true),
  );
}

function forwardAi(ctx: RequestCtx, g: AiGroupsRt, lateRateLimit: RateLimitPolicy | null, modelChecked = false): void {
  const plan = planLlm(ctx, g);
  if (!modelChecked) checksNeedingModel(ctx);
  // The prompt guard once per request, before any attempt: a retry must not re-ask the
  // guardrail service, and a rejected prompt must cost no upstream call.
  const guard = g.guard !== null && plan.clientFormat !== null && g.guard.request.length > 0 ? g.guard : null;
  then(
    ctx,
    () => admit(ctx, lateRateLimit),
    () =>
      then(
        // A virtual key's limits and budget after the route's rate limits (a request they refuse
        // reserves nothing) and before the prompt guard (a key out of budget costs no guard call).
        ctx,
        () => admitKeyed(ctx, g, plan.body),
        () =>
          then(
            ctx,
            () => guard?.guardPrompt(plan.body!, plan.clientFormat!, (a) => ctx.noteGuard(a)),
            // The session key after the guard (a rejected prompt costs no Redis lookup), before any
            // attempt: every attempt of the request belongs to the same session.
            () =>
              then(
                ctx,
                () => keySession(ctx, g, plan),
                () => runAttempts(ctx, aiPlan(g, plan)),
              ),
          ),
      ),
  );
}

/** A virtual key's rate limits and budget reservation (spend.ts), refusals counted. */
function admitKeyed(ctx: RequestCtx, g: AiGroupsRt | null, body: PlanBody): void | Promise<void> {
  if (ctx.apiKey?.virtualKey === undefined) return;
  const refused = (e: unknown): never => {
    const r = ctx.limits.rateLimitRefusal;
    if (r !== undefined) countRateLimited(ctx, r.type, r.scope);
    else if (ctx.limits.budgetRefusal !== undefined) countBudgetRefused(ctx, ctx.limits.budgetRefusal);
    throw e;
  };
  try {
    const r = admitKey(ctx, g, body);
    return r === undefined ? r : r.catch(refused);
  } catch (e) {
    return refused(e);
  }
}

type PlanBody = Parameters<typeof admitKey>[2];

/**
 * Rate limits. A refusal (429) is counted as a rejection; a check Redis could not answer is
 * counted as the error it is, whether the request went on (failOpen) or gets a 500 (failClosed).
 */
function admit(ctx: RequestCtx, rateLimit: RateLimitPolicy | null): void | Promise<void> {
  if (rateLimit === null) return;
  const unchecked = (): void => {
    if (ctx.limits.rateLimitFailure !== undefined) countRateLimitFailure(ctx, ctx.limits.rateLimitFailure);
  };
  const refused = (e: unknown): never => {
    const r = ctx.limits.rateLimitRefusal;
    if (r !== undefined) countRateLimited(ctx, r.type, r.scope);
    unchecked();
    throw e;
  };
  try {
    const r = rateLimit.apply(ctx);
    return r === undefined ? r : r.then(unchecked, refused);
  } catch (e) {
    return refused(e);
  }
}

/**
 * Checks that need the LLM request's model (authorization rules reading llm.*, the API key's
 * allowedModels) run once the body is parsed — still before any upstream call.
 */
function checksNeedingModel(ctx: RequestCtx): void {
  const authz = ctx.route!.policies?.authorization;
  if (authz?.needsLlm === true) authz.check(ctx);
  checkAllowedModel(ctx.apiKey, ctx.requestModel ?? ctx.llm.upstreamModel);
}
