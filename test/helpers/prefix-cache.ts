// One LLM deployment's prompt cache, simulated the way providers bill it: a request's prompt is
// a chain of blocks (system prompt and tools, then each message); the longest leading run of
// blocks this deployment has seen before is read from its cache, everything else is not. A
// deployment only knows what it served itself, so requests of one conversation scattered over
// several deployments find cold caches. The answers speak the providers' wire formats:
// Anthropic Messages (`cache_read_input_tokens`, JSON and SSE) and OpenAI Chat Completions
// (`prompt_tokens_details.cached_tokens`). Used by the e2e tests and the `affinity` bench lane.
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson, type Recorded } from './mock-upstream.js';

const CHARS_PER_TOKEN = 4;
/** Prefixes a deployment remembers before forgetting the oldest (a real cache is bounded too). */
const CAPACITY = 200_000;

export interface CacheStats {
  requests: number;
  promptTokens: number;
  cachedTokens: number;
  /** Follow-up turns (more than one message) that did not find the previous turn's prompt cached here. */
  coldFollowUps: number;
}

export class PrefixCache {
  readonly stats: CacheStats = { requests: 0, promptTokens: 0, cachedTokens: 0, coldFollowUps: 0 };
  private readonly seen = new Set<string>();

  constructor(readonly name: string) {}

  /** Serves one prompt: its size in tokens and how many of them this deployment had cached. */
  serve(body: any, format: 'messages' | 'completions'): { prompt: number; cached: number } {
    const blocks = promptBlocks(body, format);
    let hash = '';
    let prompt = 0;
    let cached = 0;
    let warm = true;
    /** Tokens of the last two blocks: the previous answer and the new turn. */
    let lastTwo = [0, 0];
    for (let i = 0; i < blocks.length; i++) {
      const text = blocks[i]!;
      hash = createHash('sha1').update(hash).update(text).digest('hex');
      const tokens = Math.ceil(text.length / CHARS_PER_TOKEN);
      prompt += tokens;
      lastTwo = [lastTwo[1]!, tokens];
      // the last block is the new turn: never read from a cache
      warm = warm && i < blocks.length - 1 && this.seen.has(hash);
      if (warm) cached += tokens;
      this.remember(hash);
    }
    // the previous turn's prompt should have been cached (the answer since is new to the cache)
    if (blocks.length > 2 && cached < prompt - lastTwo[0]! - lastTwo[1]!) this.stats.coldFollowUps++;
    this.stats.requests++;
    this.stats.promptTokens += prompt;
    this.stats.cachedTokens += cached;
    return { prompt, cached };
  }

  reset(): void {
    this.seen.clear();
    Object.assign(this.stats, { requests: 0, promptTokens: 0, cachedTokens: 0, coldFollowUps: 0 });
  }

  private remember(hash: string): void {
    if (this.seen.has(hash)) return;
    if (this.seen.size >= CAPACITY) this.seen.delete(this.seen.values().next().value!);
    this.seen.add(hash);
  }
}

/** System prompt and tools as one block, then one block per message; cache markers dropped (clients move them). */
function promptBlocks(body: any, format: 'messages' | 'completions'): string[] {
  const messages: unknown[] = Array.isArray(body?.messages) ? body.messages : [];
  const head = format === 'messages' ? [body?.system ?? '', body?.tools ?? []] : [body?.tools ?? []];
  return [stable(head), ...messages.map(stable)];
}

function stable(v: unknown): string {
  return JSON.stringify(v, (k, x) => (k === 'cache_control' ? undefined : x));
}

/** The answer text of a deployment (so a test can tell which one answered). */
export const answerOf = (deployment: string) => `answered by ${deployment}`;

/** A MockUpstream handler serving `cache`'s deployment in Anthropic's and OpenAI's formats. */
export function prefixCacheHandler(cache: PrefixCache): (req: Recorded, res: ServerResponse) => void {
  return (req, res) => {
    const path = req.path.split('?')[0]!;
    if (req.method === 'POST' && path.endsWith('/messages')) {
      const { prompt, cached } = cache.serve(req.json, 'messages');
      return req.json?.stream
        ? anthropicSse(res, cache.name, req.json.model, prompt, cached)
        : sendJson(res, 200, anthropicReply(cache.name, req.json.model, prompt, cached));
    }
    if (req.method === 'POST' && path.endsWith('/chat/completions')) {
      const { prompt, cached } = cache.serve(req.json, 'completions');
      return sendJson(res, 200, openaiReply(cache.name, req.json.model, prompt, cached));
    }
    sendJson(res, 404, { error: { message: `no handler for ${req.path}`, type: 'invalid_request_error' } });
  };
}

function anthropicUsage(prompt: number, cached: number) {
  return { input_tokens: prompt - cached, cache_creation_input_tokens: 0, cache_read_input_tokens: cached, output_tokens: 5 };
}

function anthropicReply(name: string, model: string, prompt: number, cached: number): object {
  return {
    id: 'msg_01PrefixCache',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: answerOf(name) }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: anthropicUsage(prompt, cached),
  };
}

function anthropicSse(res: ServerResponse, name: string, model: string, prompt: number, cached: number): void {
  const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const start = { id: 'msg_01PrefixCache', type: 'message', role: 'assistant', content: [], model, stop_reason: null, stop_sequence: null };
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.end(
    ev('message_start', { message: { ...start, usage: { ...anthropicUsage(prompt, cached), output_tokens: 1 } } }) +
      ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: answerOf(name) } }) +
      ev('content_block_stop', { index: 0 }) +
      ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } }) +
      ev('message_stop', {}),
  );
}

function openaiReply(name: string, model: string, prompt: number, cached: number): object {
  return {
    id: 'chatcmpl-prefix-cache',
    object: 'chat.completion',
    created: 1741569952,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: answerOf(name), refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: 5,
      total_tokens: prompt + 5,
      prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
  };
}
