// Receiving an LLM response: JSON bodies are read whole and converted (or, when the provider
// speaks the client's format, forwarded byte for byte after usage is read); SSE streams go
// through the conversion's transducer event by event; upstream errors are rewritten in the
// client's dialect. Usage is reported once, whatever happens.
import { GatewayError } from '../errors.js';
import type { ErrorDialect } from '../llm/formats/errors.js';
import type { Conversion, StreamTransducer } from '../llm/convert/types.js';
import { rewriteRawHeaders, type CompiledHeaderRules as HeaderRules } from '../native/index.js';
import { headerName, rawHeaderValue } from '../http/header-lists.js';
import type { UpstreamCall, UpstreamListener } from '../upstream/dispatch.js';
import type { RequestCtx } from './context.js';
import type { HeaderList } from './downstream.js';
import { head, sendError, sendJson } from './respond.js';
import type { SpendTracker } from './spend.js';
import { countBudgetRefused } from './traffic-metrics.js';
import type { PromptGuardPolicy } from '../policies/prompt-guard/guard.js';
import { GuardedStream } from './guarded-stream.js';
import { HeldStream } from './held-stream.js';
import type { Usage } from '../llm/usage.js';

/** Largest non-streamed LLM response body the gateway will buffer to convert. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export class LlmResponse implements UpstreamListener {
  call: UpstreamCall | null = null;
  private mode: 'json' | 'stream' | 'error' = 'json';
  private chunks: Buffer[] = [];
  private size = 0;
  private transducer: StreamTransducer | null = null;
  /** Response regex guards on the stream; webhook guards holding it until complete. */
  private guarded: GuardedStream | null = null;
  private held: HeldStream | null = null;
  private upstreamStatus = 0;
  private headers: HeaderList = [];
  /** The stream was cut by a budget: later upstream events are ignored. */
  private cut = false;
  /** Bedrock InvokeModel's token counts, sent as response headers (Cohere embeddings have no other). */
  private headerUsage: Usage | null = null;

  constructor(
    private readonly ctx: RequestCtx,
    private readonly conversion: Conversion,
    /** The client asked for usage in the stream (OpenAI stream_options.include_usage). */
    private readonly clientWantsUsage: boolean,
    /** Response header rules that also drop the upstream body's content-type/encoding. */
    private readonly rules: HeaderRules,
    private readonly finish: (ctx: RequestCtx) => void,
    /** `policies.ai.promptGuard`; its response guards run once the answer is known. */
    private readonly guard: PromptGuardPolicy | null = null,
  ) {}

  onHeaders(status: number, raw: Buffer[]): void {
    this.upstreamStatus = status;
    this.headers = rewriteRawHeaders(raw, this.rules);
    this.headerUsage = bedrockHeaderUsage(raw);
    if (status >= 300) {
      this.mode = 'error';
      return;
    }
    const type = rawHeaderValue(raw, 'content-type') ?? '';
    // SSE, or AWS event-stream (Bedrock's ConverseStream), which the conversion turns into SSE.
    if (!type.startsWith('text/event-stream') && !type.startsWith('application/vnd.amazon.eventstream')) return;
    this.mode = 'stream';
    const ctx = this.ctx;
    this.transducer = this.guardStream(
      this.conversion.stream({
        includeUsage: this.clientWantsUsage,
        onUsage: (u) => ctx.llm.usage.observe(u),
        onModel: (m) => (ctx.llm.responseModel = m),
        onFirstToken: () => (ctx.timings.firstTokenNs ??= process.hrtime.bigint()),
        request: ctx.llmBody ?? undefined,
      }),
    );
    ctx.status = status;
    // The stream's own cache-control replaces the upstream's (which would otherwise go out twice).
    head(ctx, status, [
      ...withoutHeader(this.headers, 'cache-control'),
      'content-type',
      'text/event-stream; charset=utf-8',
      'cache-control',
      'no-cache',
    ]);
    const call = this.call!;
    ctx.down.setFlow(
      () => call.pause(),
      () => call.resume(),
    );
  }

  /** LLM routes speak OpenAI or Anthropic (A2A and MCP routes cannot have AI backends). */
  private get llmDialect(): ErrorDialect {
    const d = this.ctx.dialect;
    return d === 'a2a' || d === 'mcp' ? 'openai' : d;
  }

  private guardStream(t: StreamTransducer): StreamTransducer {
    const g = this.guard;
    if (g === null) return t;
    const format = this.conversion.from;
    // A webhook judges whole answers: the stream is held, and every response guard (regex ones
    // included, in their order) runs on the complete text. Otherwise regex guards mask on the fly.
    if (g.answerWebhook) return (this.held = new HeldStream(t, g, format, this.llmDialect, (a) => this.ctx.noteGuard(a)));
    if (g.streamRules !== null)
      return (this.guarded = new GuardedStream(t, g.streamRules, format, this.llmDialect, (a) => this.ctx.noteGuard(a)));
    return t;
  }

  onData(chunk: Buffer): void {
    if (this.cut) return;
    if (this.transducer !== null) {
      const spend = this.ctx.llm.spend;
      if (spend !== null && !spend.allows(chunk, this.conversion.to)) return this.cutForBudget(spend);
      const out = this.transducer.push(chunk);
      if (this.guarded?.stopped === true) {
        // A response guard rejected the answer: its error event ends the stream, the upstream stops.
        this.call?.abort('answer rejected by a response guard');
        this.ctx.down.end(out);
        this.finish(this.ctx);
        return;
      }
      if (out.length > 0) this.ctx.down.write(out);
      return;
    }
    this.size += chunk.length;
    if (this.size > MAX_RESPONSE_BYTES) {
      this.call?.abort('response too large');
      this.fail(new GatewayError('upstream_bad_response', `upstream response exceeds ${MAX_RESPONSE_BYTES} bytes`));
      return;
    }
    this.chunks.push(chunk);
  }

  /**
   * The stream used up its key's (or team's) hard budget: the chunk that crossed it is not sent,
   * the client gets an error event in its dialect, the upstream stops.
   */
  private cutForBudget(spend: SpendTracker): void {
    const e = spend.cutError;
    this.cut = true;
    countBudgetRefused(this.ctx, this.ctx.limits.budgetRefusal!);
    this.ctx.error = e;
    this.call?.abort('budget exhausted');
    this.ctx.down.end(this.transducer!.fail(e));
    this.finish(this.ctx);
  }

  onEnd(): void {
    if (this.cut) return;
    let pending: void | Promise<void> | undefined;
    try {
      if (this.transducer !== null) pending = this.endStream(this.transducer.end());
      else if (this.mode === 'error') this.sendUpstreamError();
      else pending = this.sendJsonResponse();
    } catch (e) {
      sendError(this.ctx, e);
    }
    if (pending === undefined) return this.finish(this.ctx);
    pending.catch((e: unknown) => sendError(this.ctx, e)).finally(() => this.finish(this.ctx));
  }

  private endStream(tail: Uint8Array): void | Promise<void> {
    // The usage chunk has passed: debit before the client can send its next request.
    if (this.held === null) {
      this.ctx.settleUsage();
      return this.ctx.down.end(tail);
    }
    return this.held.release().then((bytes) => {
      this.ctx.settleUsage();
      this.ctx.down.end(bytes);
    });
  }

  onError(err: GatewayError): void {
    if (this.cut) return;
    this.fail(err);
  }

  private fail(err: GatewayError): void {
    this.ctx.error = err;
    if (this.transducer !== null && this.ctx.down.headSent) {
      // Mid-stream: the client gets an error event in its dialect, never a clean end.
      this.ctx.down.end(this.transducer.fail(err));
    } else {
      sendError(this.ctx, err);
    }
    this.finish(this.ctx);
  }

  private body(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
  }

  private sendUpstreamError(): void {
    const e = this.conversion.error(this.upstreamStatus, this.body());
    this.ctx.upstream.errored = true;
    sendJson(this.ctx, e.status, JSON.stringify(e.body), this.headers);
  }

  private sendJsonResponse(): void | Promise<void> {
    const raw = this.body();
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new GatewayError('upstream_bad_response', 'upstream returned a response that is not valid JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new GatewayError('upstream_bad_response', 'upstream returned a JSON response that is not an object');
    }
    const ctx = this.ctx;
    let reported = false;
    const observe = (u: Usage): void => {
      reported = true;
      ctx.llm.usage.observe(u);
    };
    const out = this.conversion.response(parsed as Record<string, unknown>, observe, ctx.llmBody ?? undefined);
    if (!reported && this.headerUsage !== null) withHeaderUsage(ctx, out, this.headerUsage);
    const model = (parsed as { model?: unknown }).model;
    if (typeof model === 'string') ctx.llm.responseModel = model;
    // The usage is known: debit before the answer goes out (the client's next request may be
    // served by another worker thread at once).
    ctx.settleUsage();
    const g = this.guard;
    if (g !== null && g.response.length > 0) {
      const send = () => sendJson(ctx, this.upstreamStatus, JSON.stringify(out), this.headers);
      const guarded = g.guardAnswer(out, this.conversion.from, (a) => ctx.noteGuard(a));
      return guarded === undefined ? send() : guarded.then(send);
    }
    // Same format both sides: the provider's bytes go out as they came.
    const body = this.conversion.from === this.conversion.to ? raw : JSON.stringify(out);
    sendJson(ctx, this.upstreamStatus, body, this.headers);
  }
}

/** `x-amzn-bedrock-input-token-count` / `-output-token-count` (Bedrock InvokeModel), or null. */
function bedrockHeaderUsage(raw: Buffer[]): Usage | null {
  const input = rawHeaderValue(raw, 'x-amzn-bedrock-input-token-count');
  if (input === undefined) return null;
  const count = (v: string | undefined): number => {
    const n = Number(v);
    return Number.isInteger(n) && n > 0 ? n : 0;
  };
  return { inputTokens: count(input), outputTokens: count(rawHeaderValue(raw, 'x-amzn-bedrock-output-token-count')) };
}

/** Usage known only from headers: recorded, and written into an embeddings answer's own usage. */
function withHeaderUsage(ctx: RequestCtx, out: Record<string, unknown>, u: Usage): void {
  ctx.llm.usage.observe(u);
  if (out.object === 'list' && typeof out.usage === 'object' && out.usage !== null) {
    out.usage = { prompt_tokens: u.inputTokens, total_tokens: u.inputTokens };
  }
}

/** A flat [name, value, ...] list without the pairs named `name` (lower case). */
function withoutHeader(list: HeaderList, name: string): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i < list.length; i += 2) if (headerName(list[i]!).toLowerCase() !== name) out.push(list[i]!, list[i + 1]!);
  return out;
}
