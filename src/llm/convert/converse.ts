// Clients speaking chat completions or Anthropic Messages, provider Bedrock (Converse). Each
// conversion object serves ONE request: request() records the model (Converse puts it in the
// path, and its answers never name it) and the tool-name map (converse-tools.ts) that the answer
// and the stream need to give tools back their client names. conversionFor() therefore makes a
// new one per call.
//
// Requests from OpenAI clients are first made Anthropic Messages requests (one well-tested
// mapping of messages, tools, images, reasoning budgets and structured output), then Converse
// requests; answers come back through the Anthropic shape too, while streams are translated in
// one step (stream/converse-to-chunks.ts), since they are the hot path.
import type { ContentBlock, MessagesResponse } from '../formats/messages.js';
import type { ConverseBlock, ConverseResponse, ConverseUsage } from '../formats/converse.js';
import { readConverseError } from '../formats/converse-errors.js';
import { clientError } from '../formats/provider-errors.js';
import { messagesUsage, usageFromConverse } from '../formats/usage.js';
import { ConverseToChunks, type ConverseStreamContext } from '../stream/converse-to-chunks.js';
import { ConverseToMessages, stopReasonFromConverse, stopSequenceOf } from '../stream/converse-to-messages.js';
import { GatewayError } from '../../errors.js';
import type { Usage } from '../usage.js';
import { converseRequestFromMessages } from './converse-from-messages-request.js';
import { ToolNames } from './converse-tools.js';
import { isObject } from './fields.js';
import { messagesRequestFromCompletions } from './messages-from-completions-request.js';
import { completionFromMessage } from './messages-from-completions.js';
import { resolveOptions, type ConversionOptions, type ResolvedOptions } from './options.js';
import type { ApiFormat, ClientError, Conversion, Json, StreamOptions, StreamTransducer } from './types.js';

class ConverseConversion implements Conversion {
  readonly to = 'converse' as const;
  private model = '';
  private readonly tools = new ToolNames();
  private readonly opts: ResolvedOptions;

  constructor(
    readonly from: 'completions' | 'messages',
    options?: ConversionOptions,
  ) {
    this.opts = resolveOptions(options);
  }

  request(body: Json): Json {
    this.model = typeof body.model === 'string' ? body.model : '';
    return converseRequestFromMessages(this.from === 'completions' ? asMessages(body) : body, this.tools);
  }

  response(body: Json, onUsage: (u: Usage) => void): Json {
    const message = this.message(body, this.from === 'messages' ? 'msg_' : 'chatcmpl-');
    if (isObject(body.usage)) onUsage(usageFromConverse(body.usage as Partial<ConverseUsage>));
    if (this.from === 'messages') return message;
    // The usage is reported above, from Bedrock's own figures (the Anthropic shape would add zeros).
    return completionFromMessage(message, () => {}, this.opts.now());
  }

  error(status: number, raw: Uint8Array): ClientError {
    return clientError(this.from === 'messages' ? 'anthropic' : 'openai', readConverseError(status, raw));
  }

  stream(so: StreamOptions): StreamTransducer {
    const ctx: ConverseStreamContext = {
      model: this.model,
      toolNames: this.tools,
      id: this.opts.newId(this.from === 'messages' ? 'msg_' : 'chatcmpl-'),
      created: this.opts.now(),
    };
    return this.from === 'messages' ? new ConverseToMessages(so, ctx) : new ConverseToChunks(so, ctx);
  }

  /** A Converse answer as an Anthropic message (the model is the one requested). */
  private message(body: Json, idPrefix: string): MessagesResponse {
    const res = body as Partial<ConverseResponse>;
    const blocks = res.output?.message?.content;
    const content: ContentBlock[] = [];
    for (const b of Array.isArray(blocks) ? blocks : []) {
      const c = isObject(b) ? this.block(b as ConverseBlock) : null;
      if (c !== null) content.push(c);
    }
    const usage = isObject(res.usage) ? usageFromConverse(res.usage as Partial<ConverseUsage>) : { inputTokens: 0, outputTokens: 0 };
    return {
      id: this.opts.newId(idPrefix),
      type: 'message',
      role: 'assistant',
      model: this.model,
      content,
      stop_reason: stopReasonFromConverse(res.stopReason),
      stop_sequence: stopSequenceOf(res.additionalModelResponseFields),
      usage: messagesUsage(usage),
    };
  }

  private block(b: ConverseBlock): ContentBlock | null {
    if ('text' in b && typeof b.text === 'string') return { type: 'text', text: b.text };
    if ('toolUse' in b && isObject(b.toolUse)) {
      const t = b.toolUse;
      return { type: 'tool_use', id: String(t.toolUseId ?? ''), name: this.tools.restore(String(t.name ?? '')), input: t.input ?? {} };
    }
    if ('reasoningContent' in b && isObject(b.reasoningContent)) {
      const r = b.reasoningContent;
      if (isObject(r.reasoningText)) {
        return { type: 'thinking', thinking: String(r.reasoningText.text ?? ''), signature: String(r.reasoningText.signature ?? '') };
      }
      if (typeof r.redactedContent === 'string') return { type: 'redacted_thinking', data: r.redactedContent };
      return null;
    }
    if ('image' in b && isObject(b.image)) {
      const img = b.image;
      return {
        type: 'image',
        source: { type: 'base64', media_type: `image/${String(img.format)}`, data: String(img.source?.bytes ?? '') },
      };
    }
    return null; // cache points, tool results and documents are inputs, not answers
  }
}

/** The completions request as a Messages one; what Anthropic cannot take, Bedrock cannot either. */
function asMessages(body: Json): Json {
  try {
    return messagesRequestFromCompletions(body);
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    throw new GatewayError(e.kind, e.message.replace('an Anthropic provider', 'a Bedrock provider'), { param: e.param });
  }
}

/** A fresh conversion for one request from a `client`-format client to Bedrock Converse. */
export function converseConversion(client: ApiFormat, options?: ConversionOptions): Conversion {
  if (client !== 'completions' && client !== 'messages') throw new Error(`no conversion from ${client} to Bedrock Converse`);
  return new ConverseConversion(client, options);
}
