// Rebuild the final message a client SDK would assemble from a stream, for both formats. The
// golden tests use it to check that tool arguments accumulate to exactly what the upstream
// sent, and that streams survive a round trip through the other format.
import type { AnthropicEvent } from './harness.js';

export interface AssembledMessage {
  blocks: Array<
    | { type: 'text'; text: string }
    | { type: 'thinking'; thinking: string; signature: string }
    | { type: 'tool_use'; id: string; name: string; json: string }
  >;
  stop: string | null;
  usage: Record<string, number> | null;
  error: string | null;
  complete: boolean;
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Anthropic events -> the message, as the Anthropic SDK's MessageStream would build it. */
export function assembleMessages(events: AnthropicEvent[]): AssembledMessage {
  const msg: AssembledMessage = { blocks: [], stop: null, usage: null, error: null, complete: false };
  for (const { data } of events as Array<{ data: Obj }>) {
    switch (data.type) {
      case 'message_start':
        msg.usage = { ...data.message.usage };
        break;
      case 'content_block_start': {
        const b = data.content_block;
        if (b.type === 'text') msg.blocks[data.index] = { type: 'text', text: b.text };
        else if (b.type === 'thinking') msg.blocks[data.index] = { type: 'thinking', thinking: b.thinking, signature: b.signature ?? '' };
        else if (b.type === 'tool_use') msg.blocks[data.index] = { type: 'tool_use', id: b.id, name: b.name, json: '' };
        break;
      }
      case 'content_block_delta': {
        const b = msg.blocks[data.index] as Obj;
        const d = data.delta;
        if (d.type === 'text_delta') b.text += d.text;
        else if (d.type === 'thinking_delta') b.thinking += d.thinking;
        else if (d.type === 'signature_delta') b.signature = d.signature;
        else if (d.type === 'input_json_delta') b.json += d.partial_json;
        break;
      }
      case 'message_delta':
        msg.stop = data.delta.stop_reason ?? msg.stop;
        for (const [k, v] of Object.entries(data.usage ?? {})) if (typeof v === 'number') (msg.usage ??= {})[k] = v;
        break;
      case 'message_stop':
        msg.complete = true;
        break;
      case 'error':
        msg.error = data.error.message;
        break;
    }
  }
  return msg;
}

export interface AssembledCompletion {
  content: string;
  reasoning: string;
  signature: string;
  tools: Array<{ id: string; name: string; arguments: string }>;
  finish: string | null;
  usage: Obj | null;
  error: string | null;
  complete: boolean;
}

/** OpenAI chunks (as read by readOpenAiSse) -> the completion the OpenAI SDK would accumulate. */
export function assembleChunks(frames: unknown[]): AssembledCompletion {
  const c: AssembledCompletion = {
    content: '',
    reasoning: '',
    signature: '',
    tools: [],
    finish: null,
    usage: null,
    error: null,
    complete: false,
  };
  for (const f of frames as Obj[]) {
    if (f === ('[DONE]' as unknown)) {
      c.complete = true;
      continue;
    }
    if (f.error) {
      c.error = f.error.message;
      continue;
    }
    if (f.usage) c.usage = f.usage;
    for (const choice of f.choices ?? []) {
      const d = choice.delta ?? {};
      if (typeof d.content === 'string') c.content += d.content;
      if (typeof d.reasoning_content === 'string') c.reasoning += d.reasoning_content;
      if (typeof d.reasoning_signature === 'string') c.signature += d.reasoning_signature;
      for (const tc of d.tool_calls ?? []) {
        const t = (c.tools[tc.index] ??= { id: '', name: '', arguments: '' });
        if (tc.id) t.id = tc.id;
        if (tc.function?.name) t.name = tc.function.name;
        if (typeof tc.function?.arguments === 'string') t.arguments += tc.function.arguments;
      }
      if (choice.finish_reason) c.finish = choice.finish_reason;
    }
  }
  return c;
}
