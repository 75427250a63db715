// Request side of completions -> gemini: an OpenAI chat completion request becomes a Gemini
// generateContent request. Google rejects fields it does not know, so the body is built field
// by field (the model and `stream` travel in the URL, not the body).
//
//   system / developer messages  -> systemInstruction (joined, wherever they stand)
//   user text, image_url, file,  -> user turn: text, inlineData (data URLs), fileData (gs://,
//   input_audio                     Files API URIs)
//   assistant content/tool_calls -> model turn: text, functionCall (+ thoughtSignature from the id)
//   tool messages                -> one user turn of functionResponse parts in call order
//   tools, tool_choice           -> functionDeclarations (JSON Schema as is), functionCallingConfig
//   max_(completion_)tokens, stop, temperature, top_p, n, seed, penalties, response_format,
//   reasoning_effort             -> generationConfig (thinking as a level or budget per model)
//
// Dropped on purpose: user, metadata, store, service_tier, logit_bias, parallel_tool_calls,
// stream_options, image `detail` (hints with no Gemini equivalent). Refused with a 400 naming
// the field: logprobs, audio output, web_search_options, OpenAI file ids, arbitrary web URLs.
import type { Content, GenerateContentRequest, Part, Tool, ToolConfig } from '../formats/gemini.js';
import { arrayAt, invalid, isNumber, isObject, joinedText, objectAt, parseArguments, stringAt } from './fields.js';
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

export function geminiRequestFromCompletions(body: Json): Json {
  rejectUnexpressible(body);
  const model = stringAt(body.model, 'model');
  const { system, contents } = convertMessages(arrayAt(body.messages, 'messages'));
  const out: GenerateContentRequest = { contents: nonEmpty(contents) };
  if (system.length > 0) out.systemInstruction = { parts: [{ text: system.join('\n') }] };
  const tools = body.tools === undefined || body.tools === null ? [] : arrayAt(body.tools, 'tools');
  if (tools.length > 0) {
    out.tools = [convertTools(tools)];
    const config = toolConfig(body.tool_choice);
    if (config) out.toolConfig = config;
  }
  const generation = compactConfig({
    maxOutputTokens: isNumber(body.max_completion_tokens)
      ? body.max_completion_tokens
      : isNumber(body.max_tokens)
        ? body.max_tokens
        : undefined,
    stopSequences: stopSequences(body.stop),
    temperature: isNumber(body.temperature) ? body.temperature : undefined,
    topP: isNumber(body.top_p) ? body.top_p : undefined,
    topK: isNumber(body.top_k) ? body.top_k : undefined,
    candidateCount: isNumber(body.n) && body.n > 1 ? body.n : undefined,
    seed: isNumber(body.seed) ? body.seed : undefined,
    presencePenalty: isNumber(body.presence_penalty) ? body.presence_penalty : undefined,
    frequencyPenalty: isNumber(body.frequency_penalty) ? body.frequency_penalty : undefined,
    ...responseFormat(body.response_format),
    thinkingConfig: typeof body.reasoning_effort === 'string' ? thinkingConfig(model, { effort: body.reasoning_effort }) : undefined,
  });
  if (generation) out.generationConfig = generation;
  return out;
}

function rejectUnexpressible(body: Json): void {
  if (body.logprobs === true) throw invalid('logprobs', 'log probabilities are not translated from a Gemini provider');
  if (body.audio !== undefined && body.audio !== null) throw invalid('audio', 'audio output is not available from a Gemini provider');
  if (Array.isArray(body.modalities) && body.modalities.includes('audio')) {
    throw invalid('modalities', 'audio output is not available from a Gemini provider');
  }
  if (body.web_search_options !== undefined && body.web_search_options !== null) {
    throw invalid('web_search_options', 'OpenAI web search options cannot be sent to a Gemini provider');
  }
}

interface Turns {
  system: string[];
  contents: Content[];
}

function convertMessages(list: unknown[]): Turns {
  const turns: Turns = { system: [], contents: [] };
  /** Call id -> function name and the call's position in its model turn. */
  const calls = new Map<string, { name: string; index: number }>();
  let pending: PendingResponse[] = [];
  const flush = () => {
    pushContent(turns.contents, 'user', inCallOrder(pending, new Map([...calls].map(([id, c]) => [id, c.index]))));
    pending = [];
  };
  list.forEach((raw, i) => {
    const at = `messages[${i}]`;
    const m = objectAt(raw, at);
    if (m.role !== 'tool' && pending.length > 0) flush();
    switch (m.role) {
      case 'system':
      case 'developer': {
        const text = joinedText(m.content, `${at}.content`);
        if (text !== '') turns.system.push(text);
        break;
      }
      case 'user':
        pushContent(turns.contents, 'user', userParts(m.content, `${at}.content`));
        break;
      case 'assistant':
        pushContent(turns.contents, 'model', assistantParts(m, at, calls));
        break;
      case 'tool':
        pending.push(toolResponse(m, at, calls));
        break;
      case 'function':
        throw invalid(`${at}.role`, 'legacy function messages cannot be sent to a Gemini provider; use tools');
      default:
        throw invalid(`${at}.role`, `unknown role ${JSON.stringify(m.role)}`);
    }
  });
  if (pending.length > 0) flush();
  return turns;
}

function userParts(content: unknown, at: string): Part[] {
  if (typeof content === 'string') return [{ text: content }];
  return arrayAt(content, at).map((p, j): Part => {
    const pat = `${at}[${j}]`;
    const part = objectAt(p, pat);
    switch (part.type) {
      case 'text':
        return { text: stringAt(part.text, `${pat}.text`) };
      case 'image_url': {
        const img = part.image_url;
        return mediaPart(stringAt(isObject(img) ? img.url : img, `${pat}.image_url.url`), `${pat}.image_url.url`);
      }
      case 'input_audio': {
        const audio = objectAt(part.input_audio, `${pat}.input_audio`);
        const format = stringAt(audio.format, `${pat}.input_audio.format`);
        return {
          inlineData: {
            mimeType: format === 'mp3' ? 'audio/mp3' : `audio/${format}`,
            data: stringAt(audio.data, `${pat}.input_audio.data`),
          },
        };
      }
      case 'file': {
        const file = objectAt(part.file, `${pat}.file`);
        if (typeof file.file_data !== 'string') {
          throw invalid(`${pat}.file`, 'OpenAI file ids cannot be sent to a Gemini provider; send file_data');
        }
        return mediaPart(file.file_data, `${pat}.file.file_data`);
      }
      default:
        throw invalid(pat, `content part type ${JSON.stringify(part.type)} cannot be sent to a Gemini provider`);
    }
  });
}

function assistantParts(m: Json, at: string, calls: Map<string, { name: string; index: number }>): Part[] {
  if (m.function_call !== undefined && m.function_call !== null) {
    throw invalid(`${at}.function_call`, 'legacy function calls cannot be sent to a Gemini provider; use tool_calls');
  }
  const parts: Part[] = [];
  const content = m.content;
  if (typeof content === 'string') {
    if (content !== '') parts.push({ text: content });
  } else if (Array.isArray(content)) {
    content.forEach((p, j) => {
      const part = objectAt(p, `${at}.content[${j}]`);
      if (part.type === 'text') parts.push({ text: stringAt(part.text, `${at}.content[${j}].text`) });
      else if (part.type === 'refusal') parts.push({ text: stringAt(part.refusal, `${at}.content[${j}].refusal`) });
      else throw invalid(`${at}.content[${j}]`, `assistant content part ${JSON.stringify(part.type)} cannot be sent to a Gemini provider`);
    });
  } else if (content !== null && content !== undefined) throw invalid(`${at}.content`, 'must be a string or an array');
  if (typeof m.refusal === 'string' && m.refusal !== '' && parts.length === 0) parts.push({ text: m.refusal });
  if (m.tool_calls !== undefined && m.tool_calls !== null) {
    arrayAt(m.tool_calls, `${at}.tool_calls`).forEach((c, k) => {
      const cat = `${at}.tool_calls[${k}]`;
      const call = objectAt(c, cat);
      const fn = objectAt(call.function, `${cat}.function`);
      const id = stringAt(call.id, `${cat}.id`);
      const name = stringAt(fn.name, `${cat}.function.name`);
      calls.set(splitCallId(id).id, { name, index: k });
      parts.push(functionCallPart(id, name, parseArguments(fn.arguments, `${cat}.function.arguments`, 'Gemini functionCall args')));
    });
  }
  return parts;
}

function toolResponse(m: Json, at: string, calls: Map<string, { name: string; index: number }>): PendingResponse {
  const callId = splitCallId(stringAt(m.tool_call_id, `${at}.tool_call_id`)).id;
  const call = calls.get(callId);
  if (call === undefined) {
    throw invalid(`${at}.tool_call_id`, 'does not answer a tool call of an earlier assistant message (Gemini needs the function name)');
  }
  const output = joinedText(m.content, `${at}.content`);
  return { callId, part: { functionResponse: { name: call.name, response: { output } } } };
}

function convertTools(tools: unknown[]): Tool {
  return {
    functionDeclarations: tools.map((raw, k) => {
      const tool = objectAt(raw, `tools[${k}]`);
      if (tool.type !== 'function') {
        throw invalid(`tools[${k}]`, `tool type ${JSON.stringify(tool.type)} cannot be sent to a Gemini provider`);
      }
      const fn = objectAt(tool.function, `tools[${k}].function`);
      const decl: NonNullable<Tool['functionDeclarations']>[number] = {
        name: stringAt(fn.name, `tools[${k}].function.name`),
        parametersJsonSchema: schemaOrEmpty(fn.parameters),
      };
      if (typeof fn.description === 'string') decl.description = fn.description;
      return decl;
    }),
  };
}

function toolConfig(choice: unknown): ToolConfig | undefined {
  if (choice === undefined || choice === null || choice === 'auto')
    return choice === 'auto' ? { functionCallingConfig: { mode: 'AUTO' } } : undefined;
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (isObject(choice) && choice.type === 'function') {
    const fn = objectAt(choice.function, 'tool_choice.function');
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [stringAt(fn.name, 'tool_choice.function.name')] } };
  }
  throw invalid('tool_choice', 'must be "auto", "required", "none" or a named function');
}

function stopSequences(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  if (typeof stop === 'string') return [stop];
  return arrayAt(stop, 'stop').map((s, i) => stringAt(s, `stop[${i}]`));
}

function responseFormat(format: unknown): ReturnType<typeof jsonOutput> | Record<string, never> {
  if (!isObject(format)) return {};
  if (format.type === 'json_schema') {
    const spec = objectAt(format.json_schema, 'response_format.json_schema');
    return jsonOutput(isObject(spec.schema) ? spec.schema : null);
  }
  if (format.type === 'json_object') return jsonOutput(null);
  return {};
}
