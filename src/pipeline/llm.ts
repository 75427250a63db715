// The LLM part of a request to an AI backend: route type from the path, the client's wire
// format, the parsed body with `policies.ai` request shaping applied, and — per upstream
// attempt, since each attempt may pick another provider — the provider's format, model and body.
import { JsonBodyError, parseJsonBody } from '../http/json-body.js';
import { spliceTopLevelString } from '../http/json-splice.js';
import { conversionFor } from '../llm/convert/index.js';
import type { ApiFormat, Conversion, Json } from '../llm/convert/types.js';
import { applyPromptCaching } from '../llm/prompt-caching.js';
import { providerFormat } from '../llm/providers/index.js';
import { resolveRouteType, type RouteType } from '../llm/route-types.js';
import { resolveAlias, shapeBody } from '../policies/llm-request.js';
import type { AiBackendRt, AiGroupsRt } from '../runtime/snapshot.js';
import type { RequestCtx } from './context.js';
import { GatewayError } from '../errors.js';
import type { ProviderCall } from './forward.js';

export interface LlmPlan {
  /** Format the client speaks; null for passthrough-like route types. */
  readonly clientFormat: ApiFormat | null;
  /** The client's body after request shaping (and, later, prompt guards). */
  readonly body: Json | null;
  readonly stream: boolean;
  /** The client's bytes when `body` is exactly their parse (no request shaping): see providerRequest. */
  readonly raw: Buffer | null;
  /** The client asked for usage in the stream (OpenAI stream_options.include_usage). */
  readonly clientWantsUsage: boolean;
}

export function planLlm(ctx: RequestCtx, g: AiGroupsRt): LlmPlan {
  const type = resolveRouteType(g.routeTypes, ctx.path);
  ctx.routeType = type;
  const first = g.groups[0]![0]!;
  // The dialect errors are written in was decided with the route (src/llm/dialect.ts).
  const clientFormat = CLIENT_FORMATS[type];
  if (clientFormat === undefined) return { clientFormat: null, body: null, stream: false, raw: null, clientWantsUsage: false };
  // The llm listener parsed the body already, to route by its model.
  const parsedHere = ctx.llmBody === null;
  const body = ctx.llmBody ?? parseClientBody(ctx);
  // A native Gemini client names the model and the method in the path, not the body.
  const native = clientFormat === 'gemini' ? geminiMethod(ctx.path) : null;
  if (native !== null && body.model === undefined) body.model = native.model;
  ctx.llm.requestModel ??= typeof body.model === 'string' ? body.model : undefined;
  // Request shaping (prompts, defaults, overrides) is written for chat completions and messages.
  const shaping = g.shaping !== null && (clientFormat === 'completions' || clientFormat === 'messages');
  if (shaping) shapeBody(g.shaping!, body, clientFormat);
  ctx.llm.body = body; // request parameters for the access log and spans
  ctx.llm.upstreamModel = modelFor(g, first, body);
  const options = body.stream_options as { include_usage?: unknown } | undefined;
  return {
    clientFormat,
    body,
    stream: native !== null ? native.stream : body.stream === true,
    raw: parsedHere && native === null && !shaping ? ctx.down.body : null,
    clientWantsUsage: clientFormat === 'completions' && options?.include_usage === true,
  };
}

/** The client format of each LLM route type; others pass the body through. */
const CLIENT_FORMATS: Partial<Record<RouteType, ApiFormat>> = {
  completions: 'completions',
  messages: 'messages',
  generateContent: 'gemini',
  embeddings: 'embeddings',
  responses: 'responses',
};

/**
 * `.../models/<model>:generateContent` or `:streamGenerateContent` (Gemini API and Vertex
 * paths alike): the model and whether the client wants a stream.
 */
export function geminiMethod(path: string): { model: string; stream: boolean } | null {
  const m = /\/((?:models|tunedModels)\/[^/:]+):(generateContent|streamGenerateContent)$/.exec(path);
  if (m === null) return null;
  let resource = m[1]!;
  try {
    resource = decodeURIComponent(resource);
  } catch {
    // kept as written: the provider escapes it again
  }
  return { model: resource.startsWith('models/') ? resource.slice('models/'.length) : resource, stream: m[2] === 'streamGenerateContent' };
}

/** The model sent to provider `p`: its configured model, else the body's, through modelAliases. */
export function modelFor(g: AiGroupsRt, p: AiBackendRt, body: Json): string | undefined {
  const m = p.model ?? (typeof body.model === 'string' && body.model !== '' ? body.model : undefined);
  return m === undefined ? undefined : resolveAlias(g.shaping?.aliases ?? null, m);
}

/** modelFor, or a 400 when neither the body nor the provider names a model. */
export function requireModel(g: AiGroupsRt, p: AiBackendRt, body: Json): string {
  const model = modelFor(g, p, body);
  if (model === undefined) {
    throw new GatewayError('model_required', 'model is required (in the request body or as the provider model in the gateway config)', {
      param: 'model',
    });
  }
  return model;
}

export interface ProviderRequest {
  readonly conversion: Conversion;
  /** The provider format, and the model and method the upstream path may carry. */
  readonly call: ProviderCall;
  readonly body: Buffer;
}

/**
 * The client's body as provider `p` gets it (still in the client's format): its model set, then
 * the llm model entry's defaults, overrides and transformation. Sets ctx.llm.upstreamModel.
 */
export function providerBody(ctx: RequestCtx, g: AiGroupsRt, p: AiBackendRt, body: Json): Json {
  const withModel = { ...body, model: requireModel(g, p, body) };
  const shaped = p.bodyShaping === null ? withModel : p.bodyShaping.apply(withModel, ctx);
  if (typeof shaped.model !== 'string' || shaped.model === '') {
    throw new GatewayError('model_required', `the model transformation of "${p.name}" left no model`, { param: 'model' });
  }
  ctx.llm.upstreamModel = shaped.model;
  return shaped;
}

/** The request body for provider `p`, in its format. Throws a 400 for what it cannot take. */
export function providerRequest(ctx: RequestCtx, g: AiGroupsRt, p: AiBackendRt, plan: LlmPlan): ProviderRequest {
  const clientFormat = plan.clientFormat!;
  const shaped = providerBody(ctx, g, p, plan.body!);
  const model = ctx.llm.upstreamModel!;
  const format = providerFormat(p.provider, clientFormat, model);
  const conversion = conversionFor(clientFormat, format);
  // Translation may refuse what the provider cannot express (a 400 naming the field).
  const converted = conversion.request(shaped);
  // Cache breakpoints go into the provider's own format (cache_control, or Bedrock's cachePoint).
  const cached = p.promptCaching !== null ? applyPromptCaching(format, converted, model, p.promptCaching) : converted;
  const body = p.provider.prepareBody !== undefined ? p.provider.prepareBody(format, cached) : cached;
  // Nothing but the model changed (same format, no shaping, caching or prompt guard): splice it
  // into the client's bytes rather than serialise the parsed body again.
  const untouched = converted === shaped && body === converted && p.bodyShaping === null && (g.guard?.request.length ?? 0) === 0;
  // The body names a model (parsed): from ~0.5 KB, three native searches beat scanning it (json-splice.ts).
  const present = plan.raw !== null && plan.raw.length >= 512 && plan.body!.model !== undefined;
  const spliced = untouched && plan.raw !== null ? spliceTopLevelString(plan.raw, 'model', model, present) : null;
  return { conversion, call: { format, model, stream: plan.stream }, body: spliced ?? Buffer.from(JSON.stringify(body)) };
}

export function parseClientBody(ctx: RequestCtx): Json {
  const raw = ctx.down.body;
  if (raw === null || raw.length === 0) throw new GatewayError('invalid_body', 'request body is empty; expected a JSON object');
  let value: unknown;
  try {
    value = parseJsonBody(raw.toString('utf8'));
  } catch (e) {
    if (e instanceof JsonBodyError) throw new GatewayError('invalid_body', e.message);
    throw e;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError('invalid_body', 'request body must be a JSON object');
  }
  return value as Json;
}
