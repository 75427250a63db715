// `/v1/messages/count_tokens` (route type anthropicTokenCount) on the llm listener. Claude Code
// and other Anthropic clients call it whatever model they use, so it must be answered for every
// provider: one with its own endpoint (Anthropic) gets the body with its model and the model
// entry's shaping applied; for the others the gateway counts, as agentgateway does, with OpenAI's
// o200k tokenizer (gpt-tokenizer, loaded on first use — ~0.2 s and ~60 MB — so a gateway that
// never counts never pays for it).
import { aiRequestHeaders, clientRequest, joinPath } from './forward.js';
import { LlmResponse } from './llm-response.js';
import type { AiBackendRt, AiGroupsRt } from '../runtime/snapshot.js';
import type { Json } from '../llm/convert/types.js';
import { countPrompt, o200k } from '../llm/tokens.js';
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
  const native = p.mock === null ? p.provider.tokenCount?.(ctx.llm.upstreamModel!) : undefined;
  if (native !== undefined) {
    // The provider counts in its own format (Bedrock, Gemini, Vertex); the answer comes back as Anthropic's.
    const client = clientRequest(ctx, p);
    const q = client.query === '' ? '' : `?${client.query}`;
    const conv = native.conversion;
    return {
      fwd: {
        path: joinPath(p.pathPrefix ?? p.provider.basePath, native.path) + q,
        headers: aiRequestHeaders(p, true, client.headers, conv.to),
        body: Buffer.from(JSON.stringify(conv.request(body))),
      },
      listener: new LlmResponse(ctx, conv, false, p.llmResponseHeaders, finish),
    };
  }
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

/** Tokens of a chat request as OpenAI's o200k tokenizer counts them (see src/llm/tokens.ts). */
export async function countLocally(body: Json): Promise<number> {
  return countPrompt(body, await o200k());
}
