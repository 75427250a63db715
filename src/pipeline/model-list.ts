// `/v1/models` and `/v1/models/{id}` on the llm listener, answered by the gateway: the public
// models and virtual models this client may use (a key limited by allowedModels sees what it may
// use; a wildcard entry shows the allowed names it covers rather than the pattern), in OpenAI's
// list format, or Anthropic's for clients that say `anthropic-version` (the Anthropic SDK's
// models.list() and models.retrieve()).
import type { ModelRouterRt } from '../runtime/snapshot.js';
import type { RequestCtx } from './context.js';
import { GatewayError } from '../errors.js';
import { finish } from './finish.js';
import { sendJson } from './respond.js';

const LIST = /^\/(?:v1\/)?models\/?$/;
const ONE = /^\/(?:v1\/)?models\/(.+?)\/?$/;

/** Answers a models request; false when the path is something else. */
export function answerModelList(ctx: RequestCtx, router: ModelRouterRt): boolean {
  const path = ctx.down.path;
  const one = LIST.test(path) ? null : ONE.exec(path);
  if (!LIST.test(path) && one === null) return false;
  const ids = visibleModels(ctx, router);
  // Anthropic's list shape for Anthropic clients (the route's dialect says so: anthropic-version).
  const anthropic = ctx.dialect === 'anthropic';
  if (one === null) {
    sendJson(ctx, 200, JSON.stringify(anthropic ? anthropicList(router, ids) : openaiList(router, ids)));
  } else {
    const id = decodeURIComponent(one[1]!);
    if (!ids.includes(id) && !servable(ctx, router, id)) {
      throw new GatewayError('model_not_found', `model "${id}" is not served here`, { param: 'model' });
    }
    sendJson(ctx, 200, JSON.stringify(anthropic ? anthropicModel(router, id) : openaiModel(router, id)));
  }
  finish(ctx);
  return true;
}

/** A name a public wildcard entry serves, for this client. */
function servable(ctx: RequestCtx, router: ModelRouterRt, id: string): boolean {
  const access = ctx.apiKey?.allowedModels ?? null;
  if (access !== null && !access.allows(id)) return false;
  return router.models.some((m) => m.visibility === 'public' && m.test(id));
}

function visibleModels(ctx: RequestCtx, router: ModelRouterRt): string[] {
  const access = ctx.apiKey?.allowedModels ?? null;
  const ids: string[] = [];
  for (const name of router.publicModels) {
    if (access === null) ids.push(name);
    else if (!name.includes('*') || router.virtualModels.has(name)) {
      if (access.allows(name)) ids.push(name);
    } else {
      const covers = router.models.find((m) => m.name === name)!.test;
      ids.push(...access.entries.filter((e) => e === name || (!e.includes('*') && covers(e))));
    }
  }
  return [...new Set(ids)];
}

function openaiModel(router: ModelRouterRt, id: string): Record<string, unknown> {
  return { id, object: 'model', created: router.created, owned_by: ownerOf(router, id) };
}

function openaiList(router: ModelRouterRt, ids: readonly string[]): Record<string, unknown> {
  return { object: 'list', data: ids.map((id) => openaiModel(router, id)) };
}

function anthropicModel(router: ModelRouterRt, id: string): Record<string, unknown> {
  return { type: 'model', id, display_name: id, created_at: new Date(router.created * 1000).toISOString() };
}

function anthropicList(router: ModelRouterRt, ids: readonly string[]): Record<string, unknown> {
  return { data: ids.map((id) => anthropicModel(router, id)), has_more: false, first_id: ids[0] ?? null, last_id: ids.at(-1) ?? null };
}

function ownerOf(router: ModelRouterRt, id: string): string {
  if (router.virtualModels.has(id)) return 'agentgateway';
  const m = router.models.find((e) => e.test(id));
  return m === undefined ? 'agentgateway' : m.backend.groups[0]![0]!.provider.name;
}
