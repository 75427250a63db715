// Request side of messages -> Converse: an Anthropic Messages request (Claude Code, the Anthropic
// SDK; and OpenAI clients, whose requests are first made Messages requests) becomes a Bedrock
// Converse request. Converse rejects fields it does not know, so the output is built field by field.
//
//   system (string or blocks), system turns   -> system [{text}], a cachePoint after a cached block
//   text / image (base64) / document blocks   -> {text} / {image} / {document} (+ cachePoint)
//   tool_use / tool_result                    -> {toolUse} / {toolResult} (is_error -> status)
//   thinking / redacted_thinking in history   -> {reasoningContent} (signed, as Bedrock replays it)
//   max_tokens, temperature, top_p, stop_sequences -> inferenceConfig
//   tools, tool_choice                        -> toolConfig (tool_choice none: no tools offered)
//   output_config.format (json_schema)        -> outputConfig.textFormat
//   thinking, top_k, output_config.effort     -> additionalModelRequestFields, for Claude models only
//
// Tool names Bedrock would refuse are rewritten (converse-tools.ts). Refused with a 400 naming the
// field: URL and file-id images and documents (Converse takes bytes only), server tools, MCP
// servers, server-tool blocks in history. Dropped as hints: metadata.user_id, service_tier,
// disable_parallel_tool_use, cache markers on models without prompt caching; temperature and
// top_p when thinking is on (Claude refuses them then). Bedrock allows 4 cache points a request.
import type {
  ConverseBlock,
  ConverseMessage,
  ConverseRequest,
  ConverseSystemBlock,
  ConverseTool,
  ConverseToolResultContent,
} from '../formats/converse.js';
import { CACHE_POINT } from '../formats/converse.js';
import type { ToolNames } from './converse-tools.js';
import { arrayAt, invalid, isNumber, isObject, objectAt, stringAt } from './fields.js';
import type { Json } from './types.js';

const MAX_CACHE_POINTS = 4;

/** Whether Anthropic's own fields (thinking, top_k, effort) can go in additionalModelRequestFields. */
export function isClaude(model: string): boolean {
  // Application inference profile ARNs hide the model; agentgateway sends Claude fields to them.
  return /claude/i.test(model) || model.startsWith('arn:');
}

/** Prompt caching on Bedrock: Claude 3.5 and later (not Claude 1/2/Instant) and Nova. */
export function cachesPrompts(model: string): boolean {
  const m = model.toLowerCase();
  if (m.includes('claude')) return !/claude-(instant|v1|v2)/.test(m);
  return m.includes('nova') || m.startsWith('arn:');
}

class Builder {
  private cachePoints = 0;
  readonly system: ConverseSystemBlock[] = [];
  readonly messages: ConverseMessage[] = [];

  constructor(
    readonly tools: ToolNames,
    private readonly caching: boolean,
  ) {}

  /** A cachePoint after a block the client marked, while Bedrock's limit allows. */
  cache(block: Json): boolean {
    if (!this.caching || !isObject(block.cache_control) || this.cachePoints >= MAX_CACHE_POINTS) return false;
    this.cachePoints++;
    return true;
  }

  turn(role: 'user' | 'assistant', content: ConverseBlock[]): void {
    if (content.length === 0) return;
    const last = this.messages[this.messages.length - 1];
    // Converse wants alternating roles: same-role neighbours become one turn.
    if (last && last.role === role) last.content.push(...content);
    else this.messages.push({ role, content });
  }
}

export function converseRequestFromMessages(body: Json, tools: ToolNames): ConverseRequest {
  const model = stringAt(body.model, 'model');
  if (Array.isArray(body.mcp_servers) && body.mcp_servers.length > 0) {
    throw invalid('mcp_servers', 'MCP servers run on Anthropic and cannot be used with a Bedrock provider');
  }
  const b = new Builder(tools, cachesPrompts(model));
  const toolConfig = toolConfiguration(body, b);
  systemBlocks(body.system, 'system', b);
  arrayAt(body.messages, 'messages').forEach((raw, i) => {
    const at = `messages[${i}]`;
    const m = objectAt(raw, at);
    if (m.role === 'system') systemBlocks(m.content, `${at}.content`, b);
    else if (m.role === 'user' || m.role === 'assistant') b.turn(m.role, contentBlocks(m.content, `${at}.content`, b));
    else throw invalid(`${at}.role`, 'must be "user", "assistant" or "system"');
  });
  const thinking = isObject(body.thinking) && body.thinking.type === 'enabled';
  const out: ConverseRequest = { messages: b.messages };
  if (b.system.length > 0) out.system = b.system;
  const inference: Json = {};
  if (isNumber(body.max_tokens)) inference.maxTokens = body.max_tokens;
  if (isNumber(body.temperature) && !thinking) inference.temperature = body.temperature;
  if (isNumber(body.top_p) && !thinking) inference.topP = body.top_p;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) {
    inference.stopSequences = body.stop_sequences.map((s, k) => stringAt(s, `stop_sequences[${k}]`));
  }
  if (Object.keys(inference).length > 0) out.inferenceConfig = inference;
  if (toolConfig !== null) out.toolConfig = toolConfig;
  else if (hasToolHistory(b.messages)) out.toolConfig = { tools: [HISTORY_TOOL] };
  const format = outputFormat(body.output_config);
  if (format !== null) out.outputConfig = format;
  const extra = isClaude(model) ? anthropicFields(body, thinking) : null;
  if (extra !== null) out.additionalModelRequestFields = extra;
  return out;
}

/**
 * Bedrock refuses a conversation with tool blocks but no toolConfig; a placeholder the model is
 * told not to call satisfies it without offering the old tools again (agentgateway's choice).
 */
const HISTORY_TOOL: ConverseTool = {
  toolSpec: { name: 'agentgateway_dummy_do_not_call', inputSchema: { json: { type: 'object' } } },
};

function hasToolHistory(messages: ConverseMessage[]): boolean {
  return messages.some((m) => m.content.some((c) => 'toolUse' in c || 'toolResult' in c));
}

function systemBlocks(system: unknown, at: string, b: Builder): void {
  if (system === undefined || system === null) return;
  if (typeof system === 'string') {
    if (system.trim() !== '') b.system.push({ text: system });
    return;
  }
  arrayAt(system, at).forEach((raw, i) => {
    const block = objectAt(raw, `${at}[${i}]`);
    if (block.type !== 'text') throw invalid(`${at}[${i}]`, 'system blocks must be text');
    const text = stringAt(block.text, `${at}[${i}].text`);
    if (text.trim() !== '') b.system.push({ text });
    if (b.cache(block)) b.system.push(CACHE_POINT);
  });
}

function contentBlocks(content: unknown, at: string, b: Builder): ConverseBlock[] {
  if (typeof content === 'string') return content.trim() === '' ? [] : [{ text: content }];
  const out: ConverseBlock[] = [];
  arrayAt(content, at).forEach((raw, j) => {
    const bat = `${at}[${j}]`;
    const block = objectAt(raw, bat);
    const converted = contentBlock(block, bat, b);
    if (converted !== null) out.push(converted);
    if (b.cache(block)) out.push(CACHE_POINT);
  });
  return out;
}

function contentBlock(block: Json, at: string, b: Builder): ConverseBlock | null {
  switch (block.type) {
    case 'text': {
      const text = stringAt(block.text, `${at}.text`);
      return text.trim() === '' ? null : { text };
    }
    case 'image':
      return { image: imageOf(block, at) };
    case 'document':
      return { document: documentOf(block, at) };
    case 'tool_use':
      return {
        toolUse: {
          toolUseId: stringAt(block.id, `${at}.id`),
          name: b.tools.register(stringAt(block.name, `${at}.name`)),
          input: isObject(block.input) ? block.input : {},
        },
      };
    case 'tool_result':
      return { toolResult: toolResult(block, at) };
    case 'thinking':
      return {
        reasoningContent: { reasoningText: { text: stringAt(block.thinking, `${at}.thinking`), signature: String(block.signature ?? '') } },
      };
    case 'redacted_thinking':
      return { reasoningContent: { redactedContent: stringAt(block.data, `${at}.data`) } };
    default:
      throw invalid(at, `content block type ${JSON.stringify(block.type)} cannot be sent to a Bedrock provider`);
  }
}

const IMAGE_FORMATS = new Set(['png', 'jpeg', 'gif', 'webp']);

function imageOf(block: Json, at: string): { format: string; source: { bytes: string } } {
  const source = objectAt(block.source, `${at}.source`);
  if (source.type !== 'base64') {
    throw invalid(`${at}.source`, `Bedrock takes image bytes only (base64), not ${JSON.stringify(source.type)} sources`);
  }
  const mediaType = stringAt(source.media_type, `${at}.source.media_type`);
  const format = mediaType.replace(/^image\//, '').replace('jpg', 'jpeg');
  if (!IMAGE_FORMATS.has(format)) throw invalid(`${at}.source.media_type`, `Bedrock takes png, jpeg, gif or webp images, not ${mediaType}`);
  return { format, source: { bytes: stringAt(source.data, `${at}.source.data`) } };
}

/** Converse document names allow letters, digits, single spaces, hyphens, parentheses and brackets. */
function documentName(title: unknown): string {
  const name =
    typeof title === 'string'
      ? title
          .replace(/[^a-zA-Z0-9\-()[\] ]/g, ' ')
          .replace(/\s+/g, ' ')
          .trim()
      : '';
  return name === '' ? 'document' : name.slice(0, 200);
}

function documentOf(block: Json, at: string): { format: string; name: string; source: { bytes: string } } {
  const source = objectAt(block.source, `${at}.source`);
  const name = documentName(block.title);
  if (source.type === 'base64' && source.media_type === 'application/pdf') {
    return { format: 'pdf', name, source: { bytes: stringAt(source.data, `${at}.source.data`) } };
  }
  if (source.type === 'text') {
    const text = stringAt(source.data, `${at}.source.data`);
    return { format: 'txt', name, source: { bytes: Buffer.from(text, 'utf8').toString('base64') } };
  }
  throw invalid(`${at}.source`, 'Bedrock takes base64 PDF and plain-text documents only');
}

function toolResult(block: Json, at: string): { toolUseId: string; content: ConverseToolResultContent[]; status?: 'success' | 'error' } {
  const content: ConverseToolResultContent[] = [];
  const raw = block.content;
  if (typeof raw === 'string') content.push({ text: raw });
  else if (raw !== undefined && raw !== null) {
    arrayAt(raw, `${at}.content`).forEach((c, k) => {
      const cat = `${at}.content[${k}]`;
      const item = objectAt(c, cat);
      if (item.type === 'text') content.push({ text: stringAt(item.text, `${cat}.text`) });
      else if (item.type === 'image') content.push({ image: imageOf(item, cat) });
      else if (item.type === 'document') content.push({ document: documentOf(item, cat) });
      else throw invalid(cat, `tool_result content type ${JSON.stringify(item.type)} cannot be sent to a Bedrock provider`);
    });
  }
  const out: { toolUseId: string; content: ConverseToolResultContent[]; status?: 'success' | 'error' } = {
    toolUseId: stringAt(block.tool_use_id, `${at}.tool_use_id`),
    content,
  };
  if (typeof block.is_error === 'boolean') out.status = block.is_error ? 'error' : 'success';
  return out;
}

function toolConfiguration(body: Json, b: Builder): ConverseRequest['toolConfig'] | null {
  const list = body.tools === undefined || body.tools === null ? [] : arrayAt(body.tools, 'tools');
  const choice = isObject(body.tool_choice) ? body.tool_choice : null;
  if (list.length === 0 || choice?.type === 'none') return null;
  const tools: ConverseTool[] = [];
  list.forEach((raw, k) => {
    const tool = objectAt(raw, `tools[${k}]`);
    if (tool.type !== undefined && tool.type !== 'custom') {
      throw invalid(`tools[${k}]`, `server tool ${JSON.stringify(tool.type)} cannot run on a Bedrock provider`);
    }
    const spec: { name: string; description?: string; inputSchema: { json: unknown } } = {
      name: b.tools.register(stringAt(tool.name, `tools[${k}].name`)),
      inputSchema: { json: objectAt(tool.input_schema, `tools[${k}].input_schema`) },
    };
    if (typeof tool.description === 'string' && tool.description !== '') spec.description = tool.description;
    tools.push({ toolSpec: spec });
    if (b.cache(tool)) tools.push(CACHE_POINT);
  });
  const config: NonNullable<ConverseRequest['toolConfig']> = { tools };
  if (choice?.type === 'auto') config.toolChoice = { auto: {} };
  else if (choice?.type === 'any') config.toolChoice = { any: {} };
  else if (choice?.type === 'tool') config.toolChoice = { tool: { name: b.tools.register(stringAt(choice.name, 'tool_choice.name')) } };
  return config;
}

function outputFormat(config: unknown): Json | null {
  const format = isObject(config) ? config.format : undefined;
  if (!isObject(format) || format.type !== 'json_schema') return null;
  const schema = objectAt(format.schema, 'output_config.format.schema');
  return { textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: JSON.stringify(schema), name: 'structured_output' } } } };
}

/** Claude's own request fields, which Converse carries in additionalModelRequestFields. */
function anthropicFields(body: Json, thinking: boolean): Json | null {
  const out: Json = {};
  if (isObject(body.thinking)) out.thinking = body.thinking;
  if (isNumber(body.top_k) && !thinking) out.top_k = body.top_k;
  const effort = isObject(body.output_config) ? body.output_config.effort : undefined;
  if (typeof effort === 'string') out.output_config = { effort };
  return Object.keys(out).length > 0 ? out : null;
}
