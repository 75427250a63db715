// Request side of messages -> gemini: an Anthropic Messages request (Claude Code, the Anthropic
// SDK) becomes a Gemini generateContent request, built field by field (Google rejects fields it
// does not know; the model and streaming travel in the URL).
//
//   system (string or blocks), and system turns inside messages -> systemInstruction
//   user text, image, document      -> text, inlineData (base64), fileData (gs://, Files API)
//   tool_result                     -> functionResponse {output} or {error} (is_error), in the
//                                      order of the calls; images it returns follow as parts
//   assistant text, tool_use        -> model turn: text, functionCall (+ thoughtSignature from the id)
//   tools / tool_choice             -> functionDeclarations (input_schema as JSON Schema), functionCallingConfig
//   max_tokens, stop_sequences, temperature, top_p, top_k, thinking, output_config
//                                   -> generationConfig
//
// Dropped on purpose: metadata, service_tier, cache_control (Gemini caches prefixes implicitly),
// thinking and redacted_thinking blocks in history (their signatures are Anthropic's, or ride
// in the tool ids already), disable_parallel_tool_use (no Gemini equivalent). Server tools, MCP
// servers, file-id and URL sources Gemini cannot read are a 400 naming the field.
import type { Content, GenerateContentRequest, Part, Tool, ToolConfig } from '../formats/gemini.js';
import { arrayAt, invalid, isNumber, isObject, objectAt, stringAt } from './fields.js';
import {
  compactConfig,
  functionCallPart,
  inCallOrder,
  jsonOutput,
  mediaPart,
  nonEmpty,
  type PendingResponse,
  pushContent,
  schemaOrEmpty,
  splitCallId,
  thinkingConfig,
} from './gemini-parts.js';
import type { Json } from './types.js';

export function geminiRequestFromMessages(body: Json): Json {
  const model = stringAt(body.model, 'model');
  if (Array.isArray(body.mcp_servers) && body.mcp_servers.length > 0) {
    throw invalid('mcp_servers', 'MCP servers run on Anthropic and cannot be used with a Gemini provider');
  }
  const system: string[] = [];
  systemText(body.system, 'system', system);
  const contents: Content[] = [];
  const calls = new Map<string, { name: string; index: number }>();
  arrayAt(body.messages, 'messages').forEach((raw, i) => {
    const at = `messages[${i}]`;
    const m = objectAt(raw, at);
    if (m.role === 'user') pushContent(contents, 'user', userParts(m.content, `${at}.content`, calls));
    else if (m.role === 'assistant') pushContent(contents, 'model', modelParts(m.content, `${at}.content`, calls));
    else if (m.role === 'system') systemText(m.content, `${at}.content`, system);
    else throw invalid(`${at}.role`, 'must be "user", "assistant" or "system"');
  });
  const out: GenerateContentRequest = { contents: nonEmpty(contents) };
  if (system.length > 0) out.systemInstruction = { parts: [{ text: system.join('\n') }] };
  const tools = body.tools === undefined || body.tools === null ? [] : arrayAt(body.tools, 'tools');
  if (tools.length > 0) {
    out.tools = [convertTools(tools)];
    const config = toolConfig(body.tool_choice);
    if (config) out.toolConfig = config;
  }
  const generation = compactConfig({
    maxOutputTokens: isNumber(body.max_tokens) ? body.max_tokens : undefined,
    stopSequences: Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0 ? (body.stop_sequences as string[]) : undefined,
    temperature: isNumber(body.temperature) ? body.temperature : undefined,
    topP: isNumber(body.top_p) ? body.top_p : undefined,
    topK: isNumber(body.top_k) ? body.top_k : undefined,
    ...structuredOutput(body),
    thinkingConfig: thinking(body, model),
  });
  if (generation) out.generationConfig = generation;
  return out;
}

function systemText(system: unknown, at: string, out: string[]): void {
  if (system === undefined || system === null) return;
  if (typeof system === 'string') {
    if (system !== '') out.push(system);
    return;
  }
  const texts = arrayAt(system, at).map((b, i) => {
    const block = objectAt(b, `${at}[${i}]`);
    if (block.type !== 'text') throw invalid(`${at}[${i}]`, 'system blocks must be text');
    return stringAt(block.text, `${at}[${i}].text`);
  });
  const text = texts.filter((t) => t !== '').join('\n');
  if (text !== '') out.push(text);
}

type Calls = Map<string, { name: string; index: number }>;

function userParts(content: unknown, at: string, calls: Calls): Part[] {
  if (typeof content === 'string') return [{ text: content }];
  const responses: PendingResponse[] = [];
  const parts: Part[] = [];
  arrayAt(content, at).forEach((b, j) => {
    const bat = `${at}[${j}]`;
    const block = objectAt(b, bat);
    if (block.type === 'tool_result') responses.push(toolResponse(block, bat, calls, parts));
    else parts.push(contentPart(block, bat));
  });
  // Function responses first (they answer the previous model turn), then the user's own parts.
  return [...inCallOrder(responses, new Map([...calls].map(([id, c]) => [id, c.index]))), ...parts];
}

function contentPart(block: Json, at: string): Part {
  switch (block.type) {
    case 'text':
      return { text: stringAt(block.text, `${at}.text`) };
    case 'image':
    case 'document':
      return sourcePart(block, at);
    default:
      throw invalid(at, `content block type ${JSON.stringify(block.type)} cannot be sent to a Gemini provider`);
  }
}

function sourcePart(block: Json, at: string): Part {
  const source = objectAt(block.source, `${at}.source`);
  switch (source.type) {
    case 'base64':
      return {
        inlineData: { mimeType: stringAt(source.media_type, `${at}.source.media_type`), data: stringAt(source.data, `${at}.source.data`) },
      };
    case 'text':
      return { text: stringAt(source.data, `${at}.source.data`) };
    case 'url':
      return mediaPart(stringAt(source.url, `${at}.source.url`), `${at}.source.url`);
    default:
      throw invalid(`${at}.source`, `source type ${JSON.stringify(source.type)} cannot be sent to a Gemini provider`);
  }
}

/**
 * A tool_result -> a functionResponse. Its text is the `output` (or the `error`, for is_error);
 * images it returned go into `extra`, after the responses, where Gemini reads them as context.
 */
function toolResponse(block: Json, at: string, calls: Calls, extra: Part[]): PendingResponse {
  const callId = splitCallId(stringAt(block.tool_use_id, `${at}.tool_use_id`)).id;
  const call = calls.get(callId);
  if (call === undefined) throw invalid(`${at}.tool_use_id`, 'does not answer a tool_use of an earlier assistant turn');
  const texts: string[] = [];
  const content = block.content;
  if (typeof content === 'string') texts.push(content);
  else if (content !== undefined && content !== null) {
    arrayAt(content, `${at}.content`).forEach((c, k) => {
      const item = objectAt(c, `${at}.content[${k}]`);
      if (item.type === 'text') texts.push(stringAt(item.text, `${at}.content[${k}].text`));
      else extra.push(contentPart(item, `${at}.content[${k}]`));
    });
  }
  const text = texts.join('\n');
  const response = block.is_error === true ? { error: text } : { output: text };
  return { callId, part: { functionResponse: { name: call.name, response } } };
}

function modelParts(content: unknown, at: string, calls: Calls): Part[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  const parts: Part[] = [];
  let index = 0;
  arrayAt(content, at).forEach((b, j) => {
    const bat = `${at}[${j}]`;
    const block = objectAt(b, bat);
    switch (block.type) {
      case 'text':
        parts.push({ text: stringAt(block.text, `${bat}.text`) });
        break;
      case 'tool_use': {
        const id = stringAt(block.id, `${bat}.id`);
        const name = stringAt(block.name, `${bat}.name`);
        calls.set(splitCallId(id).id, { name, index: index++ });
        parts.push(functionCallPart(id, name, isObject(block.input) ? block.input : {}));
        break;
      }
      case 'thinking':
      case 'redacted_thinking':
        break; // see the file comment
      default:
        throw invalid(bat, `assistant block type ${JSON.stringify(block.type)} cannot be sent to a Gemini provider`);
    }
  });
  return parts;
}

function convertTools(tools: unknown[]): Tool {
  return {
    functionDeclarations: tools.map((raw, k) => {
      const tool = objectAt(raw, `tools[${k}]`);
      if (tool.type !== undefined && tool.type !== 'custom') {
        throw invalid(`tools[${k}]`, `server tool ${JSON.stringify(tool.type)} cannot run on a Gemini provider`);
      }
      const decl: NonNullable<Tool['functionDeclarations']>[number] = {
        name: stringAt(tool.name, `tools[${k}].name`),
        parametersJsonSchema: schemaOrEmpty(tool.input_schema),
      };
      if (typeof tool.description === 'string') decl.description = tool.description;
      return decl;
    }),
  };
}

function toolConfig(choice: unknown): ToolConfig | undefined {
  if (choice === undefined || choice === null) return undefined;
  const c = objectAt(choice, 'tool_choice');
  switch (c.type) {
    case 'auto':
      return { functionCallingConfig: { mode: 'AUTO' } };
    case 'any':
      return { functionCallingConfig: { mode: 'ANY' } };
    case 'none':
      return { functionCallingConfig: { mode: 'NONE' } };
    case 'tool':
      return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [stringAt(c.name, 'tool_choice.name')] } };
    default:
      throw invalid('tool_choice.type', 'must be "auto", "any", "tool" or "none"');
  }
}

function structuredOutput(body: Json): ReturnType<typeof jsonOutput> | Record<string, never> {
  const format = isObject(body.output_config) ? body.output_config.format : undefined;
  if (!isObject(format) || format.type !== 'json_schema') return {};
  return jsonOutput(objectAt(format.schema, 'output_config.format.schema'));
}

/**
 * Anthropic thinking -> Gemini: a budget stays a budget (a level on Gemini 3); adaptive thinking
 * lets Gemini 2.x decide (-1) and gives Gemini 3 the requested effort (default high); a bare
 * `output_config.effort` only reaches Gemini 3, whose levels are efforts.
 */
function thinking(body: Json, model: string): ReturnType<typeof thinkingConfig> {
  const t = isObject(body.thinking) ? body.thinking : null;
  const effort = isObject(body.output_config) && typeof body.output_config.effort === 'string' ? body.output_config.effort : undefined;
  if (t?.type === 'enabled' && isNumber(t.budget_tokens)) return thinkingConfig(model, { budget: t.budget_tokens });
  if (t?.type === 'adaptive') {
    const config = thinkingConfig(model, { effort: effort ?? 'high' });
    return config?.thinkingLevel !== undefined ? config : { thinkingBudget: -1, includeThoughts: true };
  }
  if (t === null && effort !== undefined) {
    const config = thinkingConfig(model, { effort });
    return config?.thinkingLevel !== undefined ? config : undefined;
  }
  return undefined;
}
