// A Responses API request (POST /v1/responses) as a Chat Completions request, for providers that
// lack the Responses API; the completions request then takes that provider's own conversion
// (Anthropic Messages, Gemini, Converse, or none for OpenAI-compatible servers).
//
//   instructions                    -> a leading system message
//   input (string)                  -> one user message
//   input message items             -> messages (input_text/output_text -> text, input_image ->
//                                      image_url, input_file -> file, input_audio -> input_audio)
//   function_call items             -> the assistant message's tool_calls (consecutive ones merged)
//   function_call_output items      -> tool messages
//   reasoning items                 -> reasoning_content (+ encrypted_content as its signature) on
//                                      the next assistant message; dropped when nothing follows
//   tools [{type: function, ...}]   -> [{type: function, function: {...}}]
//   max_output_tokens               -> max_completion_tokens
//   text.format                     -> response_format;  reasoning.effort -> reasoning_effort
//
// Refused with a 400 naming the field: what needs OpenAI's stored state (previous_response_id,
// conversation, item_reference, background, prompt templates) and hosted tools (web search,
// file search, computer use, ...), which no other provider runs. Dropped: store, include,
// truncation, service_tier, text.verbosity, reasoning.summary, prompt_cache_key (hints).
import type { AssistantMessage, ChatMessage, ContentPart, ToolCall } from '../formats/completions.js';
import { arrayAt, invalid, isNumber, isObject, objectAt, stringAt } from './fields.js';
import type { Json } from './types.js';

const STATEFUL = ['previous_response_id', 'conversation', 'prompt'] as const;

/** Fields copied as they are (same name and meaning in both APIs). */
const SAME = ['model', 'stream', 'temperature', 'top_p', 'parallel_tool_calls', 'user', 'metadata', 'top_logprobs'] as const;

export function completionsRequestFromResponses(body: Json): Json {
  for (const field of STATEFUL) {
    if (body[field] !== undefined && body[field] !== null) {
      throw invalid(field, 'needs OpenAI-stored conversation state, which this provider does not have');
    }
  }
  if (body.background === true) throw invalid('background', 'background responses are not available on this provider');
  const out: Json = {};
  for (const k of SAME) if (body[k] !== undefined) out[k] = body[k];
  if (out.top_logprobs !== undefined) out.logprobs = true;
  if (isNumber(body.max_output_tokens)) out.max_completion_tokens = body.max_output_tokens;
  out.messages = messages(body);
  if (body.tools !== undefined) out.tools = tools(body.tools);
  if (body.tool_choice !== undefined) out.tool_choice = toolChoice(body.tool_choice);
  const format = isObject(body.text) ? body.text.format : undefined;
  if (format !== undefined) {
    const rf = responseFormat(format);
    if (rf !== undefined) out.response_format = rf;
  }
  const effort = isObject(body.reasoning) ? body.reasoning.effort : undefined;
  if (typeof effort === 'string') out.reasoning_effort = effort;
  return out;
}

function messages(body: Json): ChatMessage[] {
  const out: ChatMessage[] = [];
  if (body.instructions !== undefined && body.instructions !== null) {
    out.push({ role: 'system', content: stringAt(body.instructions, 'instructions') });
  }
  const input = body.input;
  if (typeof input === 'string') {
    out.push({ role: 'user', content: input });
    return out;
  }
  const items = arrayAt(input, 'input');
  new InputReader(out).read(items);
  if (out.length === 0) throw invalid('input', 'must not be empty');
  return out;
}

/** Walks the input items, merging what Chat Completions keeps in one assistant message. */
class InputReader {
  /** The assistant message function calls and reasoning attach to, while consecutive. */
  private assistant: AssistantMessage | null = null;
  private reasoning: { text: string; signature?: string } | null = null;

  constructor(private readonly out: ChatMessage[]) {}

  read(items: unknown[]): void {
    items.forEach((raw, i) => this.item(objectAt(raw, `input[${i}]`), `input[${i}]`));
  }

  private item(item: Json, at: string): void {
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message':
        return this.message(item, at);
      case 'function_call': {
        const call: ToolCall = {
          id: stringAt(item.call_id, `${at}.call_id`),
          type: 'function',
          function: { name: stringAt(item.name, `${at}.name`), arguments: stringAt(item.arguments, `${at}.arguments`) },
        };
        const a = this.openAssistant(null);
        a.tool_calls = [...(a.tool_calls ?? []), call];
        return;
      }
      case 'function_call_output':
        this.assistant = null;
        this.out.push({
          role: 'tool',
          tool_call_id: stringAt(item.call_id, `${at}.call_id`),
          content: toolOutput(item.output, `${at}.output`),
        } as ChatMessage);
        return;
      case 'reasoning':
        return this.reasoningItem(item);
      default:
        throw invalid(`${at}.type`, `input items of type ${String(type)} cannot be sent to this provider`);
    }
  }

  private message(item: Json, at: string): void {
    const role = item.role;
    if (role === 'assistant') {
      this.openAssistant(assistantText(item.content, `${at}.content`));
      return;
    }
    this.assistant = null;
    if (role === 'user') this.out.push({ role: 'user', content: userContent(item.content, `${at}.content`) });
    else if (role === 'system' || role === 'developer')
      this.out.push({ role: 'system', content: systemText(item.content, `${at}.content`) });
    else throw invalid(`${at}.role`, `must be user, assistant, system or developer, not ${String(role)}`);
  }

  /** The current assistant message, or a new one (with `text`) when none is open or text arrives. */
  private openAssistant(text: string | null): AssistantMessage {
    let a = this.assistant;
    if (a === null || (text !== null && (a.content !== null || a.tool_calls !== undefined))) {
      a = { role: 'assistant', content: text };
      this.out.push(a);
      this.assistant = a;
    } else if (text !== null) {
      a.content = text;
    }
    if (this.reasoning !== null) {
      a.reasoning_content = this.reasoning.text;
      if (this.reasoning.signature !== undefined) a.reasoning_signature = this.reasoning.signature;
      this.reasoning = null;
    }
    return a;
  }

  private reasoningItem(item: Json): void {
    const parts = Array.isArray(item.content) ? item.content : Array.isArray(item.summary) ? item.summary : [];
    const text = parts
      .filter(isObject)
      .map((p) => (typeof p.text === 'string' ? p.text : ''))
      .join('');
    this.reasoning = { text };
    if (typeof item.encrypted_content === 'string') this.reasoning.signature = item.encrypted_content;
    this.assistant = null; // reasoning opens the next assistant turn
  }
}

function userContent(content: unknown, at: string): string | ContentPart[] {
  if (typeof content === 'string') return content;
  return arrayAt(content, at).map((raw, j) => inputPart(objectAt(raw, `${at}[${j}]`), `${at}[${j}]`));
}

function inputPart(p: Json, at: string): ContentPart {
  switch (p.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: stringAt(p.text, `${at}.text`) };
    case 'input_image': {
      if (typeof p.image_url !== 'string')
        throw invalid(`${at}.image_url`, 'an image by file_id needs OpenAI file storage; send a URL or data URL');
      const image: Json = { url: p.image_url };
      if (typeof p.detail === 'string') image.detail = p.detail;
      return { type: 'image_url', image_url: image as { url: string } };
    }
    case 'input_file': {
      const file: Json = {};
      for (const k of ['file_data', 'file_id', 'filename'] as const) if (typeof p[k] === 'string') file[k] = p[k];
      if (typeof p.file_url === 'string') throw invalid(`${at}.file_url`, 'files by URL cannot be sent to this provider');
      return { type: 'file', file };
    }
    case 'input_audio':
      return { type: 'input_audio', input_audio: objectAt(p.input_audio, `${at}.input_audio`) as { data: string; format: string } };
    default:
      throw invalid(`${at}.type`, `content parts of type ${String(p.type)} cannot be sent to this provider`);
  }
}

/** Assistant history: its output_text parts (refusals as text). */
function assistantText(content: unknown, at: string): string {
  if (typeof content === 'string') return content;
  return arrayAt(content, at)
    .map((raw, j) => {
      const p = objectAt(raw, `${at}[${j}]`);
      if (p.type === 'output_text' || p.type === 'input_text') return stringAt(p.text, `${at}[${j}].text`);
      if (p.type === 'refusal') return stringAt(p.refusal, `${at}[${j}].refusal`);
      throw invalid(`${at}[${j}].type`, `assistant content parts of type ${String(p.type)} cannot be sent to this provider`);
    })
    .join('');
}

function systemText(content: unknown, at: string): string {
  if (typeof content === 'string') return content;
  return arrayAt(content, at)
    .map((raw, j) => {
      const p = objectAt(raw, `${at}[${j}]`);
      if (p.type !== 'input_text') throw invalid(`${at}[${j}].type`, 'system and developer messages take text only');
      return stringAt(p.text, `${at}[${j}].text`);
    })
    .join('\n');
}

/** A function call's output: a string, or content parts (text and images). */
function toolOutput(output: unknown, at: string): string | ContentPart[] {
  if (typeof output === 'string') return output;
  return arrayAt(output, at).map((raw, j) => inputPart(objectAt(raw, `${at}[${j}]`), `${at}[${j}]`));
}

function tools(v: unknown): Json[] {
  return arrayAt(v, 'tools').map((raw, i) => {
    const t = objectAt(raw, `tools[${i}]`);
    if (t.type !== 'function') {
      throw invalid(`tools[${i}].type`, `${String(t.type)} is an OpenAI-hosted tool; this provider runs function tools only`);
    }
    const fn: Json = { name: stringAt(t.name, `tools[${i}].name`) };
    if (typeof t.description === 'string') fn.description = t.description;
    if (t.parameters !== undefined && t.parameters !== null) fn.parameters = t.parameters;
    if (typeof t.strict === 'boolean') fn.strict = t.strict;
    return { type: 'function', function: fn };
  });
}

function toolChoice(v: unknown): unknown {
  if (v === 'auto' || v === 'none' || v === 'required') return v;
  if (isObject(v) && v.type === 'function') return { type: 'function', function: { name: stringAt(v.name, 'tool_choice.name') } };
  throw invalid('tool_choice', 'must be auto, none, required or a function');
}

function responseFormat(v: unknown): Json | undefined {
  const f = objectAt(v, 'text.format');
  if (f.type === 'text') return undefined;
  if (f.type === 'json_object') return { type: 'json_object' };
  if (f.type === 'json_schema') {
    const schema: Json = { name: stringAt(f.name, 'text.format.name'), schema: objectAt(f.schema, 'text.format.schema') };
    if (typeof f.description === 'string') schema.description = f.description;
    if (typeof f.strict === 'boolean') schema.strict = f.strict;
    return { type: 'json_schema', json_schema: schema };
  }
  throw invalid('text.format.type', 'must be text, json_object or json_schema');
}
