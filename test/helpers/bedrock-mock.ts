// A stand-in for bedrock-runtime.<region>.amazonaws.com: TLS with the test CA (aws.pem), every
// request checked like AWS does (SigV4 recomputed with the known secret by sigv4-verify.ts, or a
// Bedrock API key as Bearer), answering Converse and ConverseStream in Bedrock's documented wire
// format: JSON bodies, and for streams the AWS event-stream binary framing (prelude, typed
// headers, CRCs) written with @smithy/eventstream-codec, each payload padded with Bedrock's `p`
// field. Errors are `{"message"}` with `x-amzn-ErrorType`, as Bedrock sends them.
import type { ServerResponse } from 'node:http';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { MockUpstream, type Recorded } from './mock-upstream.js';
import { type KnownCredentials, verifySigV4 } from './sigv4-verify.js';

export const BEDROCK_HOST = 'bedrock-runtime.us-east-1.amazonaws.com';
export const BEDROCK_TEXT = 'Hello from Bedrock! How can I help?';
export const CREDS: KnownCredentials = {
  accessKeyId: 'ASIAMOCKBEDROCK00001',
  secretAccessKey: 'mockSecret/K7MDENG+bPxRfiCYEXAMPLEKEY0001',
  sessionToken: 'IQoJb3JpZ2luX2VjEMOCKSESSIONTOKEN0001==',
};

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const PAD = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function event(type: string, payload: Record<string, unknown>, n: number): Uint8Array {
  const body = JSON.stringify({ ...payload, p: PAD.slice(0, 5 + ((n * 7) % 40)) });
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(body),
  });
}

export function exception(type: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

export interface BedrockMock {
  readonly upstream: MockUpstream;
  /** Credentials the mock accepts (SigV4) — tests change them to simulate a wrong secret. */
  creds: KnownCredentials;
  /** A Bedrock API key accepted as `Authorization: Bearer`. */
  apiKey: string;
  /** Events to append before the end of a stream (e.g. an exception), or null. */
  streamTail: Uint8Array | null;
  /** Why the last rejected request was rejected. */
  rejected: string[];
}

const USAGE = { inputTokens: 21, outputTokens: 9, totalTokens: 1054, cacheReadInputTokens: 1024, cacheWriteInputTokens: 0 };

function wantsTool(json: any): { name: string; toolUseId: string; input: Record<string, unknown> } | null {
  const tools = json?.toolConfig?.tools ?? [];
  const spec = tools.find((t: any) => t.toolSpec && !t.toolSpec.name.startsWith('agentgateway_dummy'))?.toolSpec;
  const last = json?.messages?.at(-1);
  const answered = last?.content?.some((c: any) => c.toolResult);
  if (spec === undefined || answered) return null;
  return { name: spec.name, toolUseId: 'tooluse_Mock9kZJMlvQmRJ6eAy', input: { location: 'Paris' } };
}

function converseBody(json: any): object {
  const tool = wantsTool(json);
  const content = tool ? [{ text: 'Let me check.' }, { toolUse: tool }] : [{ text: BEDROCK_TEXT }];
  return {
    metrics: { latencyMs: 312 },
    output: { message: { content, role: 'assistant' } },
    stopReason: tool ? 'tool_use' : 'end_turn',
    usage: USAGE,
  };
}

function streamEvents(json: any): Uint8Array[] {
  const tool = wantsTool(json);
  let n = 0;
  const ev = (t: string, p: Record<string, unknown>) => event(t, p, n++);
  const out = [ev('messageStart', { role: 'assistant' })];
  const pieces = tool ? ['Let me', ' check.'] : ['Hello from Bedrock!', ' How can', ' I help?'];
  for (const text of pieces) out.push(ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text } }));
  out.push(ev('contentBlockStop', { contentBlockIndex: 0 }));
  if (tool) {
    out.push(ev('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: tool.toolUseId, name: tool.name } } }));
    out.push(ev('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"location":' } } }));
    out.push(ev('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: ' "Paris"}' } } }));
    out.push(ev('contentBlockStop', { contentBlockIndex: 1 }));
  }
  out.push(ev('messageStop', { stopReason: tool ? 'tool_use' : 'end_turn' }));
  out.push(ev('metadata', { metrics: { latencyMs: 411 }, usage: USAGE }));
  return out;
}

function awsError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    'x-amzn-requestid': 'b3f1c1e2-0000-4000-8000-000000000001',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** A deterministic vector of `n` floats for a text (exact in float32, so base64 round-trips). */
export function mockVector(text: string, n: number): number[] {
  return Array.from({ length: n }, (_, i) => ((text.length + i) % 8) / 8);
}

/**
 * InvokeModel with an embeddings body, as the Bedrock docs give them: Amazon Titan
 * (`{inputText}` -> `{embedding, inputTextTokenCount}`) and Cohere Embed (`{texts, input_type,
 * embedding_types}` -> `{embeddings: {float: [...]}, id, response_type, texts}`); the token counts
 * also in Bedrock's `x-amzn-bedrock-input-token-count` header.
 */
function invokeEmbeddings(res: ServerResponse, model: string, json: any): void {
  let body: object;
  let tokens: number;
  if (model.includes('titan-embed')) {
    if (typeof json?.inputText !== 'string')
      return awsError(res, 400, 'ValidationException', 'Malformed input request: required key [inputText] not found');
    tokens = json.inputText.split(/\s+/).length;
    body = { embedding: mockVector(json.inputText, json.dimensions ?? 8), inputTextTokenCount: tokens };
  } else if (model.includes('cohere.embed')) {
    if (!Array.isArray(json?.texts) || typeof json?.input_type !== 'string') {
      return awsError(res, 400, 'ValidationException', 'Malformed input request: texts and input_type are required');
    }
    tokens = json.texts.join(' ').split(/\s+/).length;
    const vectors = json.texts.map((t: string) => mockVector(t, json.output_dimension ?? 8));
    body = { id: 'emb-7f1c2d3e', response_type: 'embeddings_by_type', texts: json.texts, embeddings: { float: vectors } };
  } else {
    return awsError(res, 400, 'ValidationException', `mock: no embeddings model ${model}`);
  }
  const text = JSON.stringify(body);
  res.writeHead(200, {
    'content-type': 'application/json',
    'x-amzn-bedrock-input-token-count': String(tokens),
    'x-amzn-bedrock-invocation-latency': '41',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const CLAUDE_USAGE = { input_tokens: 21, cache_creation_input_tokens: 0, cache_read_input_tokens: 1024, output_tokens: 9 };

/** Bedrock's token-count headers (input without the cached tokens, as Converse counts it). */
function tokenHeaders(): Record<string, string> {
  return {
    'x-amzn-bedrock-input-token-count': '21',
    'x-amzn-bedrock-output-token-count': '9',
    'x-amzn-bedrock-cache-read-input-token-count': '1024',
    'x-amzn-bedrock-cache-write-input-token-count': '0',
    'x-amzn-bedrock-invocation-latency': '312',
  };
}

/** The Anthropic Messages events of a Claude answer on InvokeModelWithResponseStream (decoded chunk payloads). */
function claudeStreamEvents(model: string): Record<string, unknown>[] {
  return [
    {
      type: 'message_start',
      message: {
        id: 'msg_bdrk_01MockStream',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        usage: { ...CLAUDE_USAGE, output_tokens: 1 },
      },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    ...['Hello from Bedrock!', ' How can', ' I help?'].map((text) => ({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text },
    })),
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 9 } },
    {
      type: 'message_stop',
      'amazon-bedrock-invocationMetrics': {
        inputTokenCount: 21,
        outputTokenCount: 9,
        invocationLatency: 411,
        firstByteLatency: 120,
        cacheReadInputTokenCount: 1024,
        cacheWriteInputTokenCount: 0,
      },
    },
  ];
}

/** One InvokeModelWithResponseStream `chunk` event: the model's JSON event, base64 in `bytes`. */
export function invokeChunk(payload: Record<string, unknown>, n: number): Uint8Array {
  return event('chunk', { bytes: Buffer.from(JSON.stringify(payload)).toString('base64') }, n);
}

/**
 * InvokeModel / InvokeModelWithResponseStream with a Claude body (`anthropic_version:
 * bedrock-2023-05-31`, the model in the path): the Anthropic Messages answer, usage in the body
 * and in Bedrock's token-count headers; streamed as `chunk` events whose last one carries
 * `amazon-bedrock-invocationMetrics`.
 */
async function invokeClaude(res: ServerResponse, json: any, stream: boolean): Promise<void> {
  if (json?.anthropic_version !== 'bedrock-2023-05-31' || !Array.isArray(json?.messages)) {
    return awsError(res, 400, 'ValidationException', 'Malformed input request: anthropic_version and messages are required');
  }
  const name = 'claude-sonnet-4-5-20250929';
  if (!stream) {
    const body = JSON.stringify({
      id: 'msg_bdrk_01MockInvoke',
      type: 'message',
      role: 'assistant',
      model: name,
      content: [{ type: 'text', text: BEDROCK_TEXT }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: CLAUDE_USAGE,
    });
    res.writeHead(200, { 'content-type': 'application/json', ...tokenHeaders(), 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-bedrock-content-type': 'application/json' });
  let n = 0;
  for (const e of claudeStreamEvents(name)) {
    if (res.destroyed) return;
    res.write(invokeChunk(e, n++));
    await new Promise((r) => setTimeout(r, 2));
  }
  res.end();
}

/**
 * CountTokens (`/model/<id>/count-tokens`): a foundation model id (inference profiles are refused,
 * as AWS does) and `{input: {converse: {messages, system?, toolConfig?}}}`; `{inputTokens}` back,
 * here the word count of the texts so tests can predict it.
 */
function countTokens(res: ServerResponse, model: string, json: any): void {
  if (/^(us|eu|apac|global)\./.test(model))
    return awsError(res, 400, 'ValidationException', "The provided model doesn't support counting tokens.");
  const converse = json?.input?.converse;
  if (!Array.isArray(converse?.messages)) return awsError(res, 400, 'ValidationException', 'input.converse.messages is required');
  const texts: string[] = [];
  for (const m of converse.messages) for (const c of m.content ?? []) if (typeof c.text === 'string') texts.push(c.text);
  for (const s of converse.system ?? []) if (typeof s.text === 'string') texts.push(s.text);
  const body = JSON.stringify({ inputTokens: texts.join(' ').split(/\s+/).filter(Boolean).length });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startBedrockMock(): Promise<BedrockMock> {
  const upstream = await MockUpstream.start({ cert: 'aws' });
  const mock: BedrockMock = { upstream, creds: CREDS, apiKey: 'ABSKQmVkcm9ja0FQSUtleS1tb2Nr', streamTail: null, rejected: [] };
  const handle = async (req: Recorded, res: ServerResponse): Promise<void> => {
    const auth = String(req.headers.authorization ?? '');
    if (auth !== `Bearer ${mock.apiKey}`) {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const verdict = verifySigV4({ method: req.method, url: req.path, headers, body: Buffer.from(req.body, 'utf8') }, mock.creds);
      if (!verdict.ok) {
        mock.rejected.push(verdict.reason);
        const type = verdict.reason.startsWith('unknown access key') ? 'UnrecognizedClientException' : 'InvalidSignatureException';
        return awsError(res, 403, type, verdict.reason);
      }
    }
    const count = /^\/model\/([^/]+)\/count-tokens$/.exec(req.path);
    if (req.method === 'POST' && count !== null) return countTokens(res, decodeURIComponent(count[1]!), req.json);
    const invoke = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/.exec(req.path);
    if (req.method === 'POST' && invoke !== null) {
      const model = decodeURIComponent(invoke[1]!);
      if (model.includes('anthropic.')) return invokeClaude(res, req.json, invoke[2] !== 'invoke');
      return invokeEmbeddings(res, model, req.json);
    }
    const m = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(req.path);
    if (req.method !== 'POST' || m === null) return awsError(res, 404, 'UnknownOperationException', `no operation ${req.path}`);
    if (!Array.isArray(req.json?.messages)) return awsError(res, 400, 'ValidationException', 'messages is required');
    if (decodeURIComponent(m[1]!).includes('missing')) {
      return awsError(res, 404, 'ResourceNotFoundException', 'Could not resolve the foundation model from the provided model identifier.');
    }
    if (m[2] === 'converse') {
      const body = JSON.stringify(converseBody(req.json));
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-amzn-requestid': 'b3f1c1e2-0000-4000-8000-000000000002',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/vnd.amazon.eventstream',
      'x-amzn-requestid': 'b3f1c1e2-0000-4000-8000-000000000003',
    });
    const events = streamEvents(req.json);
    if (mock.streamTail !== null) events.splice(events.length - 2, 2, mock.streamTail);
    for (const e of events) {
      if (res.destroyed) return;
      res.write(e);
      await new Promise((r) => setTimeout(r, 2));
    }
    res.end();
  };
  upstream.handler = handle;
  const reset = upstream.reset.bind(upstream);
  upstream.reset = () => {
    reset();
    upstream.handler = handle;
    mock.creds = CREDS;
    mock.streamTail = null;
    mock.rejected = [];
  };
  return mock;
}
