// Request side of messages -> completions: an Anthropic Messages request (Claude Code, the
// Anthropic SDK) becomes an OpenAI chat completion request for an OpenAI-compatible provider.
//
// Rules that depend on the target model (reasoning effort, strict, cache breakpoints) come
// from the OpenAI family table (families/openai.ts) via completions-from-messages-options.ts.
//
// `system` messages inside `messages` (Claude Code sends them mid-conversation) stay where they
// are, as OpenAI `system` messages, as agentgateway converts them. `cache_control` becomes
// `prompt_cache_breakpoint` on the same content part for families that take explicit
// breakpoints, and is dropped elsewhere (OpenAI caches prefixes by itself); on tool_use blocks
// it has no part to ride on and is dropped. Also dropped on purpose: top_k and service_tier
// (no OpenAI equivalent, sampling/billing hints only), and thinking blocks in history
// (signed Anthropic artefacts an OpenAI model cannot use; reasoning-capable OpenAI-compatible
// servers reject reasoning content in input). Server tools (web search, code execution, ...),
// MCP servers and file-id sources cannot run on an OpenAI provider and are a 400 naming the field.
import type { ChatMessage, ContentPart, TextPart, ToolCall, ToolChoice } from '../formats/completions.js';
import { type OpenAiFamily, openAiFamily } from '../families/openai.js';
import { breakpointOf, convertTool, reasoningEffort, responseFormat } from './completions-from-messages-options.js';
import { arrayAt, invalid, isNumber, isObject, objectAt, stringAt } from './fields.js';
import type { Json } from './types.js';

export function completionsRequestFromMessages(body: Json): Json {
  const model = stringAt(body.model, 'model');
  if (Array.isArray(body.mcp_servers) && body.mcp_servers.length > 0) {
    throw invalid('mcp_servers', 'MCP servers run on Anthropic and cannot be used with an OpenAI-compatible provider');
  }
  const family = openAiFamily(model);
  const messages: ChatMessage[] = [];
  const system = systemMessage(body.system, 'system', family);
  if (system) messages.push(system);
  arrayAt(body.messages, 'messages').forEach((m, i) => convertTurn(m, `messages[${i}]`, messages, family));
  const out: Json = { model, messages };
  if (isNumber(body.max_tokens)) out.max_completion_tokens = body.max_tokens;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) out.stop = body.stop_sequences;
  if (isNumber(body.temperature)) out.temperature = body.temperature;
  if (isNumber(body.top_p)) out.top_p = body.top_p;
  if (isObject(body.metadata) && typeof body.metadata.user_id === 'string') out.user = body.metadata.user_id;
  if (body.stream === true) {
    out.stream = true;
    // Usage arrives in a final chunk only when asked for; message_delta needs it.
    out.stream_options = { include_usage: true };
  }
  const tools = body.tools === undefined || body.tools === null ? [] : arrayAt(body.tools, 'tools');
  if (tools.length > 0) {
    out.tools = tools.map(convertTool);
    Object.assign(out, toolChoice(body.tool_choice));
  }
  const effort = reasoningEffort(body, family, tools.length > 0);
  if (effort) out.reasoning_effort = effort;
  const format = responseFormat(body);
  if (format) out.response_format = format;
  return out;
}

/** The top-level `system` (at `system`) or a system turn's content (at `messages[i].content`). */
function systemMessage(system: unknown, at: string, family: OpenAiFamily): ChatMessage | null {
  if (system === undefined || system === null) return null;
  if (typeof system === 'string') return system === '' ? null : { role: 'system', content: system };
  const parts = arrayAt(system, at).map((b, i): TextPart => {
    const block = objectAt(b, `${at}[${i}]`);
    if (block.type !== 'text') throw invalid(`${at}[${i}]`, 'system blocks must be text');
    return { type: 'text', text: stringAt(block.text, `${at}[${i}].text`), ...breakpointOf(block, family) };
  });
  if (parts.length === 0) return null;
  return { role: 'system', content: partsContent(parts) as string | TextPart[] };
}

function convertTurn(raw: unknown, at: string, out: ChatMessage[], family: OpenAiFamily): void {
  const m = objectAt(raw, at);
  if (m.role === 'user') userTurn(m.content, `${at}.content`, out, family);
  else if (m.role === 'assistant') assistantTurn(m.content, `${at}.content`, out, family);
  else if (m.role === 'system') {
    const system = systemMessage(m.content, `${at}.content`, family);
    if (system) out.push(system);
  } else throw invalid(`${at}.role`, 'must be "user", "assistant" or "system"');
}

/**
 * One plain text part becomes string content, as most OpenAI-compatible servers expect; a part
 * carrying a cache breakpoint keeps the array form, which is where the breakpoint lives.
 */
function partsContent(parts: ContentPart[]): string | ContentPart[] {
  const only = parts.length === 1 ? parts[0] : undefined;
  return only?.type === 'text' && only.prompt_cache_breakpoint === undefined ? only.text : parts;
}

/**
 * A user turn: its tool_result blocks become `tool` messages (they must directly follow the
 * assistant's tool_calls), the rest one user message after them. OpenAI tool messages hold
 * text only, so images returned by a tool travel in that user message.
 */
function userTurn(content: unknown, at: string, out: ChatMessage[], family: OpenAiFamily): void {
  if (typeof content === 'string') {
    out.push({ role: 'user', content });
    return;
  }
  const parts: ContentPart[] = [];
  arrayAt(content, at).forEach((b, j) => {
    const bat = `${at}[${j}]`;
    const block = objectAt(b, bat);
    if (block.type === 'tool_result') out.push(toolMessage(block, bat, parts, family));
    else parts.push({ ...userPart(block, bat), ...breakpointOf(block, family) });
  });
  if (parts.length > 0) out.push({ role: 'user', content: partsContent(parts) });
}

function userPart(block: Json, at: string): ContentPart {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: stringAt(block.text, `${at}.text`) };
    case 'image':
      return { type: 'image_url', image_url: { url: imageUrl(block, at) } };
    case 'document':
      return documentPart(block, at);
    default:
      throw invalid(at, `content block type ${JSON.stringify(block.type)} cannot be sent to an OpenAI-compatible provider`);
  }
}

function imageUrl(block: Json, at: string): string {
  const source = objectAt(block.source, `${at}.source`);
  if (source.type === 'base64') {
    return `data:${stringAt(source.media_type, `${at}.source.media_type`)};base64,${stringAt(source.data, `${at}.source.data`)}`;
  }
  if (source.type === 'url') return stringAt(source.url, `${at}.source.url`);
  throw invalid(`${at}.source`, `image source ${JSON.stringify(source.type)} cannot be sent to an OpenAI-compatible provider`);
}

function documentPart(block: Json, at: string): ContentPart {
  const source = objectAt(block.source, `${at}.source`);
  if (source.type === 'base64' && source.media_type === 'application/pdf') {
    const filename = typeof block.title === 'string' && block.title !== '' ? block.title : 'document.pdf';
    return { type: 'file', file: { filename, file_data: `data:application/pdf;base64,${stringAt(source.data, `${at}.source.data`)}` } };
  }
  if (source.type === 'text') return { type: 'text', text: stringAt(source.data, `${at}.source.data`) };
  throw invalid(`${at}.source`, 'only base64 PDF and plain-text documents can be sent to an OpenAI-compatible provider');
}

/**
 * A tool_result -> a `tool` message. A breakpoint on the whole result marks its last text part
 * (an empty one if the result had only images, which travel in the following user message).
 */
function toolMessage(block: Json, at: string, userParts: ContentPart[], family: OpenAiFamily): ChatMessage {
  const id = stringAt(block.tool_use_id, `${at}.tool_use_id`);
  const content = block.content;
  const texts: TextPart[] = [];
  if (typeof content === 'string') texts.push({ type: 'text', text: content });
  else if (content !== undefined && content !== null) {
    arrayAt(content, `${at}.content`).forEach((c, k) => {
      const cat = `${at}.content[${k}]`;
      const item = objectAt(c, cat);
      const bp = breakpointOf(item, family);
      if (item.type === 'text') texts.push({ type: 'text', text: stringAt(item.text, `${cat}.text`), ...bp });
      else if (item.type === 'image') userParts.push({ type: 'image_url', image_url: { url: imageUrl(item, cat) }, ...bp });
      else throw invalid(cat, `tool_result content type ${JSON.stringify(item.type)} cannot be sent to an OpenAI-compatible provider`);
    });
  }
  const bp = breakpointOf(block, family);
  if (bp.prompt_cache_breakpoint) {
    if (texts.length === 0) texts.push({ type: 'text', text: '' });
    Object.assign(texts[texts.length - 1]!, bp);
  }
  const text = texts.length === 0 ? '' : (partsContent(texts) as string | TextPart[]);
  return { role: 'tool', tool_call_id: id, content: text };
}

function assistantTurn(content: unknown, at: string, out: ChatMessage[], family: OpenAiFamily): void {
  if (typeof content === 'string') {
    out.push({ role: 'assistant', content });
    return;
  }
  const texts: TextPart[] = [];
  const calls: ToolCall[] = [];
  arrayAt(content, at).forEach((b, j) => {
    const bat = `${at}[${j}]`;
    const block = objectAt(b, bat);
    switch (block.type) {
      case 'text':
        texts.push({ type: 'text', text: stringAt(block.text, `${bat}.text`), ...breakpointOf(block, family) });
        break;
      case 'tool_use':
        calls.push({
          id: stringAt(block.id, `${bat}.id`),
          type: 'function',
          function: { name: stringAt(block.name, `${bat}.name`), arguments: JSON.stringify(block.input ?? {}) },
        });
        break;
      case 'thinking':
      case 'redacted_thinking':
        break; // see the file comment
      default:
        throw invalid(bat, `assistant block type ${JSON.stringify(block.type)} cannot be sent to an OpenAI-compatible provider`);
    }
  });
  if (texts.length === 0 && calls.length === 0) return;
  const text = texts.length === 0 ? null : (partsContent(texts) as string | TextPart[]);
  const msg: ChatMessage = { role: 'assistant', content: text };
  if (calls.length > 0) msg.tool_calls = calls;
  out.push(msg);
}

function toolChoice(choice: unknown): { tool_choice?: ToolChoice; parallel_tool_calls?: boolean } {
  if (choice === undefined || choice === null) return {};
  const c = objectAt(choice, 'tool_choice');
  const out: { tool_choice?: ToolChoice; parallel_tool_calls?: boolean } = {};
  switch (c.type) {
    case 'auto':
      out.tool_choice = 'auto';
      break;
    case 'any':
      out.tool_choice = 'required';
      break;
    case 'none':
      return { tool_choice: 'none' };
    case 'tool':
      out.tool_choice = { type: 'function', function: { name: stringAt(c.name, 'tool_choice.name') } };
      break;
    default:
      throw invalid('tool_choice.type', 'must be "auto", "any", "tool" or "none"');
  }
  if (typeof c.disable_parallel_tool_use === 'boolean') out.parallel_tool_calls = !c.disable_parallel_tool_use;
  return out;
}
