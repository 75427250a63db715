// The LLM part of a request to an AI backend: route type from the path, the client's and the
// provider's wire formats, and the parsed body with the provider's model applied.
import type { ApiFormat, Json } from '../llm/convert/types.js';
import { resolveRouteType } from '../llm/route-types.js';
import type { AiBackendRt } from '../runtime/snapshot.js';
import type { RequestCtx } from './context.js';
import { GatewayError } from './errors.js';

export interface LlmPlan {
  /** Format the client speaks; null for passthrough-like route types. */
  clientFormat: ApiFormat | null;
  /** Format sent to the provider. */
  providerFormat: ApiFormat | null;
  body: Json | null;
  stream: boolean;
}

export function planLlm(ctx: RequestCtx, b: AiBackendRt): LlmPlan {
  const type = resolveRouteType(b.routeTypes, ctx.down.path);
  ctx.routeType = type;
  if (type !== 'completions' && type !== 'messages') {
    ctx.dialect = b.provider.formats[0] === 'messages' ? 'anthropic' : 'openai';
    return { clientFormat: null, providerFormat: null, body: null, stream: false };
  }
  ctx.dialect = type === 'messages' ? 'anthropic' : 'openai';
  const body = parseJsonBody(ctx);
  ctx.requestModel = typeof body.model === 'string' ? body.model : undefined;
  const model = b.model ?? ctx.requestModel;
  if (model === undefined || model === '') {
    throw new GatewayError(400, 'invalid_request_error', 'model is required (in the request body or as the provider model in the gateway config)', 'downstream', false, [], 'model');
  }
  body.model = model;
  ctx.upstreamModel = model;
  ctx.llmBody = body;
  const providerFormat = b.provider.formats.includes(type) ? type : b.provider.formats[0]!;
  return { clientFormat: type, providerFormat, body, stream: body.stream === true };
}

function parseJsonBody(ctx: RequestCtx): Json {
  const raw = ctx.down.body;
  if (raw === null || raw.length === 0) throw new GatewayError(400, 'invalid_request_error', 'request body is empty; expected a JSON object', 'downstream');
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new GatewayError(400, 'invalid_request_error', `request body is not valid JSON: ${(e as Error).message}`, 'downstream');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError(400, 'invalid_request_error', 'request body must be a JSON object', 'downstream');
  }
  return value as Json;
}
