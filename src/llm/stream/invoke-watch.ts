// Native InvokeModel clients (the AWS Bedrock SDK on `/model/{modelId}/invoke` and
// `/invoke-with-response-stream`) relayed as sent: this only reads what Bedrock reports.
//   InvokeModel                   the `x-amzn-bedrock-{input,output,cache-read-input,cache-write-input}-token-count`
//                                 response headers, whatever the model's body; without them, an
//                                 Anthropic body's `usage` (Claude on Bedrock)
//   InvokeModelWithResponseStream event-stream `chunk` events, each `{"bytes": <base64 JSON>}`; the
//                                 last one carries `amazon-bedrock-invocationMetrics` (token counts,
//                                 cache included). The first token is the first chunk (for Claude,
//                                 the first content_block_delta); Claude's message_start names the model.
// Bedrock's input counts leave out the cached tokens, as Converse's do (formats/usage.ts adds them).
// A message the reader cannot decode stops the watching, never the relay.
import { rawHeaderValue } from '../../http/header-lists.js';
import type { MessagesUsage } from '../formats/messages.js';
import { usageFromConverse, usageFromMessages } from '../formats/usage.js';
import type { Usage } from '../usage.js';
import { EventStreamReader, headerString } from './eventstream.js';

export interface InvokeWatchHooks {
  onUsage(u: Usage): void;
  onFirstToken(): void;
  onModel(model: string): void;
}

const HEADER = 'x-amzn-bedrock-';

function headerCount(raw: Buffer[], name: string): number | undefined {
  const v = rawHeaderValue(raw, `${HEADER}${name}-token-count`);
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v);
}

/** Usage from an InvokeModel response's headers; null when Bedrock sent none (some third-party models). */
export function usageFromInvokeHeaders(raw: Buffer[]): Usage | null {
  const inputTokens = headerCount(raw, 'input');
  const outputTokens = headerCount(raw, 'output');
  if (inputTokens === undefined && outputTokens === undefined) return null;
  return usageFromConverse({
    inputTokens,
    outputTokens,
    cacheReadInputTokens: headerCount(raw, 'cache-read-input'),
    cacheWriteInputTokens: headerCount(raw, 'cache-write-input'),
  });
}

/** Usage and model from an InvokeModel JSON body, for models that report them only there (Claude's Messages body). */
export function readInvokeResponse(body: Record<string, unknown>, hooks: InvokeWatchHooks): void {
  if (typeof body.model === 'string') hooks.onModel(body.model);
  const usage = body.usage;
  if (body.type === 'message' && usage !== null && typeof usage === 'object') hooks.onUsage(usageFromMessages(usage as MessagesUsage));
}

interface InvocationMetrics {
  inputTokenCount?: number;
  outputTokenCount?: number;
  cacheReadInputTokenCount?: number;
  cacheWriteInputTokenCount?: number;
}

/** Watches an InvokeModelWithResponseStream event-stream under any chunking; never changes or holds back bytes. */
export class InvokeStreamWatch {
  private readonly reader = new EventStreamReader();
  private broken = false;
  private started = false;

  constructor(private readonly hooks: InvokeWatchHooks) {}

  push(chunk: Uint8Array): void {
    if (this.broken) return;
    try {
      for (const m of this.reader.push(chunk)) {
        if ((headerString(m, ':message-type') ?? 'event') !== 'event' || headerString(m, ':event-type') !== 'chunk') continue;
        const part = JSON.parse(Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength).toString('utf8')) as { bytes?: unknown };
        if (typeof part.bytes === 'string') this.payload(JSON.parse(Buffer.from(part.bytes, 'base64').toString('utf8')));
      }
    } catch {
      this.broken = true; // a corrupt stream is the client's to notice; the gateway stops reading it
    }
  }

  end(): void {
    this.reader.end();
  }

  private payload(p: Record<string, unknown> | null): void {
    if (p === null || typeof p !== 'object') return;
    const type = p.type;
    if (type === 'message_start') {
      const model = (p.message as { model?: unknown } | undefined)?.model;
      if (typeof model === 'string') this.hooks.onModel(model);
    }
    // Claude's stream opens with message_start and content_block_start: the first token is its first delta.
    if (!this.started && (typeof type !== 'string' || type === 'content_block_delta')) {
      this.started = true;
      this.hooks.onFirstToken();
    }
    const metrics = p['amazon-bedrock-invocationMetrics'] as InvocationMetrics | undefined;
    if (metrics !== null && typeof metrics === 'object') {
      this.hooks.onUsage(
        usageFromConverse({
          inputTokens: metrics.inputTokenCount,
          outputTokens: metrics.outputTokenCount,
          cacheReadInputTokens: metrics.cacheReadInputTokenCount,
          cacheWriteInputTokens: metrics.cacheWriteInputTokenCount,
        }),
      );
    }
  }
}
