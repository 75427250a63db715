// `/v1/messages/count_tokens` (route type anthropicTokenCount) on the llm listener. Claude Code
// and other Anthropic clients call it whatever model they use, so it must be answered for every
// provider: one with its own endpoint (Anthropic) gets the body with its model and the model
// entry's shaping applied; for the others the gateway counts, as agentgateway does, with OpenAI's
// o200k tokenizer (gpt-tokenizer, loaded on first use — ~0.2 s and ~60 MB — so a gateway that
// never counts never pays for it).
import { aiRequestHeaders, clientRequest } from './forward.js';
import type { AiBackendRt, AiGroupsRt } from '../runtime/snapshot.js';
import type { Json } from '../llm/convert/types.js';
import type { Prepared } from './attempt.js';
import type { RequestCtx } from './context.js';
import { finish } from './finish.js';
import { parseClientBody, providerBody } from './llm.js';
import { ProxyResponse } from './proxy-response.js';
import { sendError, sendJson } from './respond.js';

/** The attempt's request to a provider that counts itself, or null when the gateway answers. */
export function countTokens(ctx: RequestCtx, g: AiGroupsRt, p: AiBackendRt): Prepared | null {
  const body = providerBody(ctx, g, p, ctx.llmBody ?? parseClientBody(ctx));
  const own = p.mock === null ? p.provider.countTokensPath : undefined;
  if (own !== undefined) {
    const client = clientRequest(ctx, p);
    const q = client.query === '' ? '' : `?${client.query}`;
    return {
      fwd: {
        path: `${p.pathPrefix ?? p.provider.basePath}${own}${q}`,
        headers: aiRequestHeaders(p, true, client.headers),
        body: Buffer.from(JSON.stringify(body)),
      },
      listener: new ProxyResponse(ctx, p.responseHeaders, finish),
    };
  }
  countLocally(body).then(
    (inputTokens) => {
      if (ctx.down.aborted || ctx.finished) return finish(ctx);
      sendJson(ctx, 200, JSON.stringify({ input_tokens: inputTokens }));
      finish(ctx);
    },
    (e: unknown) => {
      sendError(ctx, e);
      finish(ctx);
    },
  );
  return null;
}

type Count = (text: string) => number;
let counter: Promise<Count> | null = null;

/** Special-token strings in a prompt are counted as the text they are, never refused. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

function o200k(): Promise<Count> {
  counter ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => (text: string) => m.countTokens(text, AS_TEXT));
  return counter;
}

/**
 * Tokens of an Anthropic Messages body: system, every message's text, tool calls and results,
 * and tool definitions, plus OpenAI's per-message framing (3 each, 3 to prime the reply).
 */
export async function countLocally(body: Json): Promise<number> {
  const count = await o200k();
  const texts: string[] = [];
  collectText(body.system, texts);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const m of messages) collectText((m as Json | null)?.content, texts);
  if (Array.isArray(body.tools)) texts.push(JSON.stringify(body.tools));
  return texts.reduce((n, t) => n + count(t), 0) + 3 * messages.length + 3;
}

function collectText(v: unknown, out: string[]): void {
  if (typeof v === 'string') return void out.push(v);
  if (!Array.isArray(v)) return;
  for (const block of v as Json[]) {
    if (block === null || typeof block !== 'object') continue;
    if (typeof block.text === 'string') out.push(block.text);
    if (typeof block.thinking === 'string') out.push(block.thinking);
    if (block.type === 'tool_use') out.push(`${String(block.name)} ${JSON.stringify(block.input ?? {})}`);
    if (block.type === 'tool_result') collectText(block.content, out);
  }
}
