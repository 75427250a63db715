// OpenAI Responses clients (POST /v1/responses). A provider that speaks the Responses API (OpenAI,
// Azure's v1 API) gets the body as it came, and the answer is watched for usage, model and first
// token. Any other provider is reached through Chat Completions: the request becomes a chat
// completions request (responses-request.ts), which then takes the provider's own conversion
// from completions (Anthropic, Gemini, Bedrock, or none for OpenAI-compatible servers); the
// answer comes back as a chat completion (or chunks) and is written as a Response (or the
// Responses stream events). Errors are in OpenAI's dialect either way.
import type { AssistantMessage, ChatCompletion } from '../formats/completions.js';
import {
  responseEcho,
  type FunctionCallItem,
  type MessageItem,
  type OutputItem,
  type ResponseObject,
  type ResponsesUsage,
} from '../formats/responses.js';
import { responsesUsage, usageFromResponses } from '../formats/usage.js';
import { ChainedStream, ChunksToResponses } from '../stream/chunks-to-responses.js';
import { ResponsesPassthrough } from '../stream/responses-passthrough.js';
import type { Usage } from '../usage.js';
import { isObject } from './fields.js';
import { completionsIdentity } from './identity.js';
import { resolveOptions, type ConversionOptions, type ResolvedOptions } from './options.js';
import { completionsRequestFromResponses } from './responses-request.js';
import type { Conversion, Json, StreamOptions, StreamTransducer } from './types.js';

export const responsesIdentity: Conversion = {
  from: 'responses',
  to: 'responses',
  request: (body: Json): Json => body,
  response(body: Json, onUsage: (u: Usage) => void): Json {
    if (isObject(body.usage)) onUsage(usageFromResponses(body.usage as Partial<ResponsesUsage>));
    return body;
  },
  // OpenAI's error dialect, kept as the provider wrote it when it is already one.
  error: completionsIdentity.error,
  stream: (opts: StreamOptions): StreamTransducer => new ResponsesPassthrough(opts),
};

/** Responses clients on a provider reached by `inner`, the provider's conversion from chat completions. */
export function responsesViaCompletions(inner: Conversion, options?: ConversionOptions): Conversion {
  const opts = resolveOptions(options);
  return {
    from: 'responses',
    to: inner.to,
    request: (body: Json): Json => inner.request(completionsRequestFromResponses(body)),
    response(body: Json, onUsage: (u: Usage) => void, request?: Json): Json {
      let usage = null as Usage | null;
      const completion = inner.response(body, (u) => {
        usage = u;
        onUsage(u);
      });
      return responseFromCompletion(completion as ChatCompletion, usage, request, opts) as unknown as Json;
    },
    error: inner.error,
    stream(so: StreamOptions): StreamTransducer {
      // The inner stream reports usage, model and first token; the outer only writes events.
      return new ChainedStream(inner.stream({ ...so, includeUsage: true }), new ChunksToResponses(opts, so.request));
    },
  };
}

/** A chat completion as a Response: reasoning, message and function_call items, in that order. */
export function responseFromCompletion(
  c: ChatCompletion,
  usage: Usage | null,
  request: Json | undefined,
  opts: ResolvedOptions,
): ResponseObject {
  const choice = Array.isArray(c.choices) ? c.choices[0] : undefined;
  const output = choice === undefined ? [] : outputItems(choice.message ?? { role: 'assistant', content: null }, opts);
  const finish = choice?.finish_reason;
  const reason = finish === 'length' ? 'max_output_tokens' : finish === 'content_filter' ? 'content_filter' : null;
  const status = reason === null ? 'completed' : 'incomplete';
  for (const item of output) if (item.type !== 'reasoning') item.status = status;
  return {
    id: opts.newId('resp_'),
    object: 'response',
    created_at: typeof c.created === 'number' ? c.created : opts.now(),
    status,
    error: null,
    incomplete_details: reason === null ? null : { reason },
    ...responseEcho(request),
    model: typeof c.model === 'string' ? c.model : '',
    output,
    usage: usage === null ? null : responsesUsage(usage),
  };
}

function outputItems(m: AssistantMessage, opts: ResolvedOptions): OutputItem[] {
  const out: OutputItem[] = [];
  const reasoning = typeof m.reasoning_content === 'string' ? m.reasoning_content : typeof m.reasoning === 'string' ? m.reasoning : null;
  if (reasoning !== null && reasoning !== '') {
    const item: OutputItem = {
      type: 'reasoning',
      id: opts.newId('rs_'),
      summary: [],
      content: [{ type: 'reasoning_text', text: reasoning }],
    };
    if (typeof m.reasoning_signature === 'string') item.encrypted_content = m.reasoning_signature;
    out.push(item);
  }
  const content: MessageItem['content'] = [];
  if (typeof m.content === 'string' && m.content !== '') content.push({ type: 'output_text', text: m.content, annotations: [] });
  if (typeof m.refusal === 'string' && m.refusal !== '') content.push({ type: 'refusal', refusal: m.refusal });
  if (content.length > 0) out.push({ type: 'message', id: opts.newId('msg_'), status: 'completed', role: 'assistant', content });
  for (const tc of Array.isArray(m.tool_calls) ? m.tool_calls : []) {
    const call: FunctionCallItem = {
      type: 'function_call',
      id: opts.newId('fc_'),
      call_id: String(tc.id ?? ''),
      name: String(tc.function?.name ?? ''),
      arguments: typeof tc.function?.arguments === 'string' && tc.function.arguments !== '' ? tc.function.arguments : '{}',
      status: 'completed',
    };
    out.push(call);
  }
  return out;
}
