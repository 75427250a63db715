// Request side of completions -> messages: an OpenAI chat completion request becomes an
// Anthropic Messages request. Anthropic rejects parameters it does not know, so the output is
// built field by field; OpenAI-only hints with no effect on content (seed, penalties, logit
// bias, store, metadata) are left out, and anything that would change what the client gets
// back but cannot be expressed (audio, n > 1, logprobs, file ids) is a 400 naming the field.
import type { ContentBlock, CustomTool, MessageParam, MessagesRequest, ToolChoice } from '../formats/messages.js';
import { arrayAt, invalid, isNumber, isObject, joinedText, objectAt, parseArguments, parseDataUrl, stringAt } from './fields.js';
import type { Json } from './types.js';

const DEFAULT_MAX_TOKENS = 4096;
/** Anthropic's smallest thinking budget. */
const MIN_THINKING_BUDGET = 1024;
/** reasoning_effort -> thinking budget (agentgateway's table). */
export const EFFORT_BUDGET: Record<string, number> = {
  minimal: 1024,
  low: 1024,
  medium: 2048,
  high: 4096,
  xhigh: 8192,
  max: 16384,
};

export function messagesRequestFromCompletions(body: Json): Json {
  rejectUnexpressible(body);
  const model = stringAt(body.model, 'model');
  const maxTokens = isNumber(body.max_completion_tokens)
    ? body.max_completion_tokens
    : isNumber(body.max_tokens)
      ? body.max_tokens
      : DEFAULT_MAX_TOKENS;
  const { system, messages } = convertMessages(arrayAt(body.messages, 'messages'));
  const out: MessagesRequest = { model, max_tokens: maxTokens, messages };
  if (system !== '') out.system = system;
  if (body.stop !== undefined && body.stop !== null) out.stop_sequences = stopSequences(body.stop);
  if (isNumber(body.temperature)) out.temperature = body.temperature;
  if (isNumber(body.top_p)) out.top_p = body.top_p;
  if (isNumber(body.top_k)) out.top_k = body.top_k; // vendor extension some OpenAI clients send
  if (typeof body.user === 'string' && body.user !== '') out.metadata = { user_id: body.user };
  if (body.stream === true) out.stream = true;
  const tools = body.tools === undefined || body.tools === null ? [] : arrayAt(body.tools, 'tools');
  if (tools.length > 0) {
    out.tools = tools.map(convertTool);
    const choice = toolChoice(body.tool_choice, body.parallel_tool_calls);
    if (choice) out.tool_choice = choice;
  }
  const thinking = thinkingBudget(body, maxTokens);
  if (thinking !== null) out.thinking = { type: 'enabled', budget_tokens: thinking };
  const format = outputFormat(body.response_format);
  if (format) out.output_config = { format };
  return out;
}

function rejectUnexpressible(body: Json): void {
  if (isNumber(body.n) && body.n > 1) throw invalid('n', 'Anthropic returns one choice per request; n must be 1');
  if (body.logprobs === true) throw invalid('logprobs', 'log probabilities are not available from an Anthropic provider');
  if (body.audio !== undefined && body.audio !== null) throw invalid('audio', 'audio output is not available from an Anthropic provider');
  if (Array.isArray(body.modalities) && body.modalities.includes('audio')) {
    throw invalid('modalities', 'audio output is not available from an Anthropic provider');
  }
  if (body.web_search_options !== undefined && body.web_search_options !== null) {
    throw invalid('web_search_options', 'OpenAI web search options cannot be sent to an Anthropic provider');
  }
}

function convertMessages(list: unknown[]): { system: string; messages: MessageParam[] } {
  const system: string[] = [];
  const turns: Array<{ role: 'user' | 'assistant'; content: ContentBlock[] }> = [];
  // Anthropic wants strictly alternating turns: same-role neighbours are merged, which also
  // puts the tool_results of parallel calls into the one user turn Anthropic requires.
  const add = (role: 'user' | 'assistant', blocks: ContentBlock[]): void => {
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  list.forEach((raw, i) => {
    const at = `messages[${i}]`;
    const m = objectAt(raw, at);
    switch (m.role) {
      case 'system':
      case 'developer': {
        const text = joinedText(m.content, `${at}.content`);
        if (text !== '') system.push(text);
        break;
      }
      case 'user':
        add('user', userBlocks(m.content, `${at}.content`));
        break;
      case 'assistant':
        add('assistant', assistantBlocks(m, at));
        break;
      case 'tool':
        add('user', [toolResult(m, at)]);
        break;
      case 'function':
        throw invalid(`${at}.role`, 'legacy function messages cannot be sent to an Anthropic provider; use tools');
      default:
        throw invalid(`${at}.role`, `unknown role ${JSON.stringify(m.role)}`);
    }
  });
  return { system: system.join('\n'), messages: turns };
}

/** Anthropic rejects empty and whitespace-only text blocks. */
function textBlock(text: string): ContentBlock[] {
  return text.trim() === '' ? [] : [{ type: 'text', text }];
}

function userBlocks(content: unknown, at: string): ContentBlock[] {
  if (typeof content === 'string') return textBlock(content);
  const blocks: ContentBlock[] = [];
  arrayAt(content, at).forEach((p, j) => {
    const pat = `${at}[${j}]`;
    const part = objectAt(p, pat);
    switch (part.type) {
      case 'text':
        blocks.push(...textBlock(stringAt(part.text, `${pat}.text`)));
        break;
      case 'image_url':
        blocks.push(imageBlock(part, pat));
        break;
      case 'file':
        blocks.push(documentBlock(part, pat));
        break;
      case 'input_audio':
        throw invalid(pat, 'audio input cannot be sent to an Anthropic provider');
      default:
        throw invalid(pat, `content part type ${JSON.stringify(part.type)} cannot be sent to an Anthropic provider`);
    }
  });
  return blocks;
}

function imageBlock(part: Json, at: string): ContentBlock {
  const img = part.image_url;
  const url = stringAt(isObject(img) ? img.url : img, `${at}.image_url.url`);
  const inline = parseDataUrl(url);
  if (inline) return { type: 'image', source: { type: 'base64', media_type: inline.mediaType, data: inline.data } };
  if (url.startsWith('data:')) throw invalid(`${at}.image_url.url`, 'data URLs must be base64-encoded');
  return { type: 'image', source: { type: 'url', url } };
}

function documentBlock(part: Json, at: string): ContentBlock {
  const file = objectAt(part.file, `${at}.file`);
  if (typeof file.file_data !== 'string') {
    throw invalid(`${at}.file`, 'OpenAI file ids cannot be sent to an Anthropic provider; send file_data');
  }
  const inline = parseDataUrl(file.file_data);
  if (!inline) throw invalid(`${at}.file.file_data`, 'must be a base64 data URL');
  let block: ContentBlock;
  if (inline.mediaType === 'application/pdf') {
    block = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: inline.data } };
  } else if (inline.mediaType === 'text/plain') {
    const text = Buffer.from(inline.data, 'base64').toString('utf8');
    block = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: text } };
  } else {
    throw invalid(`${at}.file.file_data`, `${inline.mediaType} documents cannot be sent to an Anthropic provider (PDF or plain text only)`);
  }
  if (typeof file.filename === 'string' && file.filename !== '') block.title = file.filename;
  return block;
}

function assistantBlocks(m: Json, at: string): ContentBlock[] {
  if (m.function_call !== undefined && m.function_call !== null) {
    throw invalid(`${at}.function_call`, 'legacy function calls cannot be sent to an Anthropic provider; use tool_calls');
  }
  const blocks: ContentBlock[] = [];
  // Thinking can only be replayed with Anthropic's signature (agentgateway's
  // reasoning_signature extension); unsigned reasoning text is the model's, not the prompt's.
  if (typeof m.reasoning_content === 'string' && typeof m.reasoning_signature === 'string' && m.reasoning_signature !== '') {
    blocks.push({ type: 'thinking', thinking: m.reasoning_content, signature: m.reasoning_signature });
  }
  const content = m.content;
  if (typeof content === 'string') blocks.push(...textBlock(content));
  else if (Array.isArray(content)) {
    content.forEach((p, j) => {
      const part = objectAt(p, `${at}.content[${j}]`);
      if (part.type === 'text') blocks.push(...textBlock(stringAt(part.text, `${at}.content[${j}].text`)));
      else if (part.type === 'refusal') blocks.push(...textBlock(stringAt(part.refusal, `${at}.content[${j}].refusal`)));
      else
        throw invalid(`${at}.content[${j}]`, `assistant content part ${JSON.stringify(part.type)} cannot be sent to an Anthropic provider`);
    });
  } else if (content !== null && content !== undefined) throw invalid(`${at}.content`, 'must be a string or an array');
  if (typeof m.refusal === 'string' && blocks.length === 0) blocks.push(...textBlock(m.refusal));
  if (m.tool_calls !== undefined && m.tool_calls !== null) {
    arrayAt(m.tool_calls, `${at}.tool_calls`).forEach((c, k) => {
      const cat = `${at}.tool_calls[${k}]`;
      const call = objectAt(c, cat);
      const fn = objectAt(call.function, `${cat}.function`);
      blocks.push({
        type: 'tool_use',
        id: stringAt(call.id, `${cat}.id`),
        name: stringAt(fn.name, `${cat}.function.name`),
        input: parseArguments(fn.arguments, `${cat}.function.arguments`),
      });
    });
  }
  return blocks;
}

function toolResult(m: Json, at: string): ContentBlock {
  const block: ContentBlock = { type: 'tool_result', tool_use_id: stringAt(m.tool_call_id, `${at}.tool_call_id`) };
  const text = joinedText(m.content, `${at}.content`);
  if (text !== '') block.content = text;
  return block;
}

function convertTool(raw: unknown, k: number): CustomTool {
  const tool = objectAt(raw, `tools[${k}]`);
  if (tool.type !== 'function') {
    throw invalid(`tools[${k}]`, `tool type ${JSON.stringify(tool.type)} cannot be sent to an Anthropic provider`);
  }
  const fn = objectAt(tool.function, `tools[${k}].function`);
  const out: CustomTool = {
    name: stringAt(fn.name, `tools[${k}].function.name`),
    input_schema: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
  };
  if (typeof fn.description === 'string') out.description = fn.description;
  return out;
}

function toolChoice(choice: unknown, parallel: unknown): ToolChoice | undefined {
  const noParallel = parallel === false;
  let out: ToolChoice | undefined;
  if (choice === undefined || choice === null) out = noParallel ? { type: 'auto' } : undefined;
  else if (choice === 'auto') out = { type: 'auto' };
  else if (choice === 'required') out = { type: 'any' };
  else if (choice === 'none') return { type: 'none' };
  else if (isObject(choice) && choice.type === 'function') {
    const fn = objectAt(choice.function, 'tool_choice.function');
    out = { type: 'tool', name: stringAt(fn.name, 'tool_choice.function.name') };
  } else throw invalid('tool_choice', 'must be "auto", "required", "none" or a named function');
  if (out && noParallel) out.disable_parallel_tool_use = true;
  return out;
}

function stopSequences(stop: unknown): string[] {
  if (typeof stop === 'string') return [stop];
  return arrayAt(stop, 'stop').map((s, i) => stringAt(s, `stop[${i}]`));
}

/** reasoning_effort (or the thinking_budget_tokens extension) -> Anthropic thinking budget. */
function thinkingBudget(body: Json, maxTokens: number): number | null {
  const wanted = isNumber(body.thinking_budget_tokens)
    ? body.thinking_budget_tokens
    : typeof body.reasoning_effort === 'string'
      ? EFFORT_BUDGET[body.reasoning_effort]
      : undefined;
  if (wanted === undefined) return null;
  // Anthropic needs budget >= 1024 and budget < max_tokens; below that thinking cannot run.
  const budget = Math.min(wanted, maxTokens - 1);
  return budget >= MIN_THINKING_BUDGET ? budget : null;
}

function outputFormat(format: unknown): { type: 'json_schema'; schema: Json } | null {
  if (!isObject(format)) return null;
  if (format.type === 'json_schema') {
    const spec = objectAt(format.json_schema, 'response_format.json_schema');
    return { type: 'json_schema', schema: isObject(spec.schema) ? spec.schema : { type: 'object' } };
  }
  if (format.type === 'json_object') return { type: 'json_schema', schema: { type: 'object', additionalProperties: true } };
  return null;
}
