// Model routing on the llm listener (agentgateway's llm/model_router.rs): `/v1/models` is
// answered by model-list.ts; any other request must carry a JSON body whose `model` picks the backend —
// a virtual model first (weighted or conditional ones choose a target name, which replaces the
// body's model; a failover one is its own backend), else the most specific public model entry
// whose name and header conditions match and whose authorization allows the request. The chosen
// AI backend then serves the request exactly as on a binds route.
import { editDistance } from '../config/errors.js';
import { resolveRouteType } from '../llm/route-types.js';
import { checkAllowedModel } from '../policies/api-key.js';
import type { RateLimitPolicy } from '../policies/rate-limit.js';
import { sessionKey } from '../policies/session-affinity.js';
import type { AiGroupsRt, LlmModelRt, ModelRouterRt, VirtualModelRt } from '../runtime/snapshot.js';
import type { RequestCtx } from './context.js';
import { GatewayError } from '../errors.js';
import { parseClientBody } from './llm.js';
import { answerModelList } from './model-list.js';

export interface ModelChoice {
  readonly backend: AiGroupsRt;
  /** The model entry's own rate limits; null: none. */
  readonly rateLimit: RateLimitPolicy | null;
}

/** Picks the backend for the request's model; null when the request was answered here. */
export function routeModel(ctx: RequestCtx, router: ModelRouterRt): ModelChoice | null {
  if (answerModelList(ctx, router)) return null;
  const body = parseClientBody(ctx);
  const model = body.model;
  if (typeof model !== 'string' || model === '') {
    throw new GatewayError('model_required', 'the request body needs a string "model"', { param: 'model' });
  }
  ctx.llm.requestModel = model;
  ctx.llm.body = body;
  checkAllowedModel(ctx.apiKey, model);
  const virtual = router.virtualModels.get(model);
  if (virtual !== undefined) return viaVirtual(ctx, router, virtual);
  const found = concrete(ctx, router, model, false);
  if (found === null) throw unknownModel(router, model);
  return found;
}

function viaVirtual(ctx: RequestCtx, router: ModelRouterRt, v: VirtualModelRt): ModelChoice {
  if (v.kind === 'failover') return { backend: v.backend, rateLimit: null };
  const target = v.kind === 'weighted' ? weightedTarget(ctx, router, v) : conditionalTarget(ctx, v);
  ctx.llm.virtualModel = v.name;
  ctx.llmBody!.model = target;
  const found = concrete(ctx, router, target, true);
  if (found === null) {
    throw new GatewayError(
      'model_not_found',
      `virtual model "${v.name}" chose "${target}", but no model entry serves it for this request`,
      {
        param: 'model',
      },
    );
  }
  return found;
}

/** A session's target (sessionAffinity: weighted rendezvous on its key), else one at random by weight. */
function weightedTarget(ctx: RequestCtx, router: ModelRouterRt, v: Extract<VirtualModelRt, { kind: 'weighted' }>): string {
  const a = v.affinity;
  const key = a === null ? null : sessionKey(a.policy, ctx, ctx.llmBody, promptFormat(router, ctx));
  if (key !== null) return v.targets[a!.targets.pick(key)]!.model;
  let r = Math.random() * v.totalWeight;
  for (const t of v.targets) {
    r -= t.weight;
    if (r < 0) return t.model;
  }
  return v.targets.findLast((t) => t.weight > 0)!.model;
}

/** The client's prompt format on this path (a prompt-prefix key reads the prompt in it), else null. */
function promptFormat(router: ModelRouterRt, ctx: RequestCtx): 'messages' | 'completions' | null {
  const type = resolveRouteType(router.routeTypes, ctx.path);
  return type === 'messages' || type === 'completions' ? type : null;
}

function conditionalTarget(ctx: RequestCtx, v: Extract<VirtualModelRt, { kind: 'conditional' }>): string {
  const hit = v.targets.find((t) => t.when === null || t.when.holds(ctx));
  if (hit === undefined) {
    throw new GatewayError('no_model_target', `virtual model "${v.name}" has no target for this request`);
  }
  return hit.model;
}

/** The first entry (most specific first) that serves `name` for this request; 403 if only unauthorized ones do. */
function concrete(ctx: RequestCtx, router: ModelRouterRt, name: string, allowInternal: boolean): ModelChoice | null {
  let denied = false;
  for (const m of router.models) {
    if ((!allowInternal && m.visibility !== 'public') || !m.test(name) || !headersMatch(ctx, m)) continue;
    if (m.authorization !== null && !m.authorization.allowed(ctx)) {
      denied = true;
      continue;
    }
    return { backend: m.backend, rateLimit: m.rateLimit };
  }
  if (denied) throw new GatewayError('model_not_allowed', `not authorized to use model "${name}"`);
  return null;
}

function headersMatch(ctx: RequestCtx, m: LlmModelRt): boolean {
  if (m.headerMatches === null) return true;
  return m.headerMatches.some((all) =>
    all.every((h) => {
      const v = ctx.header(h.name);
      return v !== undefined && (h.exact !== undefined ? v === h.exact : h.regex!.test(v));
    }),
  );
}

/** 404 in the caller's dialect, naming the closest models a client may ask for. */
function unknownModel(router: ModelRouterRt, model: string): GatewayError {
  const names = router.publicModels;
  const closest = names
    .map((n, i) => ({ n, i, d: editDistance(model.toLowerCase(), n.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, 3)
    .map((x) => x.n);
  const hint = closest.length > 0 ? `; closest: ${closest.join(', ')} (GET /v1/models lists them all)` : '';
  return new GatewayError('model_not_found', `model "${model}" is not served here${hint}`, { param: 'model' });
}
