// The `detect` route type (agentgateway: forward as-is, but sniff model and usage). The request
// and response bodies go through byte for byte; the gateway reads the request's model and
// parameters, and watches the response with the same-format (identity) conversion, whose
// stream transducer and JSON reader already extract usage, the response model and the first
// token. Its output is ignored: the client gets the upstream's bytes. Native Bedrock clients
// (the AWS Bedrock SDK on Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream;
// the model is in the path, streams are AWS event-stream framing) are read by
// llm/stream/converse-watch.ts and invoke-watch.ts instead, on detect routes and also on
// passthrough routes to Bedrock (their paths say what they are; usage is what the provider bills).
// Other passthrough traffic is not read at all (the lean lane).
import { conversionFor, type ApiFormat, type Conversion } from '../llm/convert/index.js';
import { ConverseStreamWatch, bedrockCallFromPath, readConverseResponse } from '../llm/stream/converse-watch.js';
import { InvokeStreamWatch, readInvokeResponse, usageFromInvokeHeaders } from '../llm/stream/invoke-watch.js';
import { rawHeaderValue } from '../http/header-lists.js';
import { parseJsonBody } from '../http/json-body.js';
import type { AiBackendRt } from '../runtime/snapshot.js';
import type { RequestCtx } from './context.js';
import type { ResponseWatcher } from './proxy-response.js';

/** JSON responses larger than this are relayed without reading their usage. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;

/**
 * Reads the request body as an LLM request if it is one (a JSON object naming a model) and
 * returns the watcher for its response; null for anything else (GET /v1/models, uploads, ...).
 */
export function watchDetected(ctx: RequestCtx, b: AiBackendRt): ResponseWatcher | null {
  const native = watchBedrockNative(ctx);
  if (native !== null) return native;
  const raw = ctx.down.body;
  if (raw === null || raw.length === 0 || raw[0] !== 0x7b /* { */) return null;
  let body: unknown;
  try {
    body = parseJsonBody(raw.toString('utf8'));
  } catch {
    return null; // not JSON, or too deep to read: relayed without watching
  }
  const model = (body as { model?: unknown }).model;
  if (typeof model !== 'string' || model === '') return null;
  ctx.llm.body = body as Record<string, unknown>;
  ctx.llm.requestModel = model;
  const format = formatOf(ctx.path, b);
  return new UsageWatcher(sameFormatSniff(ctx, conversionFor(format, format)));
}

/**
 * A native Bedrock call (Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream):
 * the model from the path, and the watcher reading usage and first token beside the relay; null
 * for any other path.
 */
export function watchBedrockNative(ctx: RequestCtx): ResponseWatcher | null {
  const call = bedrockCallFromPath(ctx.path);
  if (call === null) return null;
  ctx.llm.requestModel = call.model;
  return new UsageWatcher(call.op.startsWith('converse') ? converseSniff(ctx) : invokeSniff(ctx));
}

/** How one API format's response is read: its stream (by content type), or its whole JSON body. */
interface Sniff {
  /** Usage the response headers carry (InvokeModel's token-count headers); true when they did. */
  headers?(raw: Buffer[]): boolean;
  stream(contentType: string): { push(chunk: Buffer): void } | null;
  json(body: Record<string, unknown>): void;
}

function sameFormatSniff(ctx: RequestCtx, conversion: Conversion): Sniff {
  return {
    stream: (type) =>
      type.startsWith('text/event-stream')
        ? // includeUsage: true keeps same-format transducers verbatim (no frame is held back).
          conversion.stream({
            includeUsage: true,
            onUsage: (u) => ctx.llm.usage.observe(u),
            onModel: (m) => (ctx.llm.responseModel = m),
            onFirstToken: () => (ctx.timings.firstTokenNs ??= process.hrtime.bigint()),
          })
        : null,
    json: (body) => {
      conversion.response(body, (u) => ctx.llm.usage.observe(u));
      if (typeof body.model === 'string') ctx.llm.responseModel = body.model;
    },
  };
}

function converseSniff(ctx: RequestCtx): Sniff {
  const hooks = {
    onUsage: ctx.llm.usage.observe.bind(ctx.llm.usage),
    onFirstToken: () => (ctx.timings.firstTokenNs ??= process.hrtime.bigint()),
  };
  return {
    stream: (type) => (type.startsWith('application/vnd.amazon.eventstream') ? new ConverseStreamWatch(hooks) : null),
    json: (body) => readConverseResponse(body, hooks),
  };
}

function invokeSniff(ctx: RequestCtx): Sniff {
  const hooks = {
    onUsage: ctx.llm.usage.observe.bind(ctx.llm.usage),
    onFirstToken: () => (ctx.timings.firstTokenNs ??= process.hrtime.bigint()),
    onModel: (m: string) => (ctx.llm.responseModel = m),
  };
  return {
    headers: (raw) => {
      const usage = usageFromInvokeHeaders(raw);
      if (usage !== null) hooks.onUsage(usage);
      return usage !== null;
    },
    stream: (type) => (type.startsWith('application/vnd.amazon.eventstream') ? new InvokeStreamWatch(hooks) : null),
    json: (body) => readInvokeResponse(body, hooks),
  };
}

function formatOf(path: string, b: AiBackendRt): ApiFormat {
  if (path.endsWith('/messages')) return 'messages';
  if (path.endsWith('/chat/completions')) return 'completions';
  if (path.endsWith('/responses') && b.provider.formats.includes('responses')) return 'responses';
  return b.provider.formats[0]!;
}

class UsageWatcher implements ResponseWatcher {
  private stream: { push(chunk: Buffer): void } | null = null;
  private chunks: Buffer[] | null = null;
  private size = 0;

  constructor(private readonly sniff: Sniff) {}

  headers(status: number, raw: Buffer[]): void {
    if (status >= 300) return;
    // Usage in the headers (InvokeModel) is read whatever the body's encoding; the body is then not needed.
    const fromHeaders = this.sniff.headers?.(raw) === true;
    const encoding = rawHeaderValue(raw, 'content-encoding');
    if (encoding !== undefined && encoding !== 'identity') return;
    const type = rawHeaderValue(raw, 'content-type') ?? '';
    this.stream = this.sniff.stream(type);
    if (this.stream === null && !fromHeaders && type.includes('json')) this.chunks = [];
  }

  data(chunk: Buffer): void {
    if (this.stream !== null) {
      this.stream.push(chunk);
      return;
    }
    if (this.chunks === null) return;
    this.size += chunk.length;
    if (this.size > MAX_JSON_BYTES) this.chunks = null;
    else this.chunks.push(chunk);
  }

  end(): void {
    if (this.chunks === null) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(this.chunks, this.size).toString('utf8'));
    } catch {
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return;
    this.sniff.json(parsed as Record<string, unknown>);
  }
}
