// Responses API clients on providers without it: the request as Chat Completions (and on to
// Anthropic Messages), the answer as a Response, usage from Responses bodies.
import { describe, expect, it } from 'vitest';
import { conversionFor } from '../../../src/llm/convert/index.js';
import { GatewayError } from '../../../src/errors.js';
import type { Usage } from '../../../src/llm/usage.js';

let n = 0;
const opts = { now: () => 1700000000, newId: (p: string) => `${p}test${++n}` };

describe('Responses request -> Chat Completions', () => {
  const conv = conversionFor('responses', 'completions', opts);

  it('maps instructions, string input, limits, tools, tool_choice, text.format and reasoning', () => {
    const out = conv.request({
      model: 'gpt-4.1',
      instructions: 'Be brief.',
      input: 'What is the weather in Paris?',
      max_output_tokens: 200,
      temperature: 0.2,
      stream: true,
      store: true,
      tools: [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, strict: true }],
      tool_choice: { type: 'function', name: 'get_weather' },
      text: { format: { type: 'json_schema', name: 'w', schema: { type: 'object' }, strict: true } },
      reasoning: { effort: 'low', summary: 'auto' },
    });
    expect(out).toEqual({
      model: 'gpt-4.1',
      stream: true,
      // the same-format pass-through asks streams for usage
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_completion_tokens: 200,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is the weather in Paris?' },
      ],
      tools: [
        { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, strict: true } },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' }, strict: true } },
      reasoning_effort: 'low',
    });
  });

  it('maps a conversation with parts, function calls, their outputs and replayed reasoning', () => {
    const out = conv.request({
      model: 'm',
      input: [
        { role: 'developer', content: 'Use tools.' },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Weather here?' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' },
          ],
        },
        {
          type: 'reasoning',
          id: 'rs_1',
          summary: [],
          content: [{ type: 'reasoning_text', text: 'Need location.' }],
          encrypted_content: 'sig',
        },
        { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'locate', arguments: '{}' },
        { type: 'function_call', id: 'fc_2', call_id: 'call_2', name: 'weather', arguments: '{"q":1}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'Paris' },
        { type: 'function_call_output', call_id: 'call_2', output: 'Sunny' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Sunny in Paris.' }] },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect(out.messages).toEqual([
      { role: 'system', content: 'Use tools.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather here?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'Need location.',
        reasoning_signature: 'sig',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'locate', arguments: '{}' } },
          { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"q":1}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'Paris' },
      { role: 'tool', tool_call_id: 'call_2', content: 'Sunny' },
      { role: 'assistant', content: 'Sunny in Paris.' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  it.each([
    [{ previous_response_id: 'resp_1' }, 'previous_response_id'],
    [{ conversation: 'conv_1' }, 'conversation'],
    [{ background: true }, 'background'],
    [{ tools: [{ type: 'web_search' }] }, 'tools[0].type'],
    [{ input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0].type'],
    [{ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }, 'input[0].content[0].image_url'],
  ])('refuses %j with a 400 naming %s', (extra, param) => {
    let err: unknown;
    try {
      conv.request({ model: 'm', input: 'hi', ...extra });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).kind).toBe('invalid_field');
    expect((err as GatewayError).status).toBe(400);
    expect((err as GatewayError).param).toBe(param);
  });

  it('goes on to Anthropic Messages through the completions conversion', () => {
    const out = conversionFor('responses', 'messages', opts).request({
      model: 'claude-sonnet-4-5',
      instructions: 'Sys',
      input: 'Hi',
      max_output_tokens: 64,
    });
    expect(out).toMatchObject({
      model: 'claude-sonnet-4-5',
      system: 'Sys',
      max_tokens: 64,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    });
  });
});

describe('Responses answers', () => {
  it('a chat completion becomes a Response with reasoning, message and function_call items', () => {
    const usage: Usage[] = [];
    const out = conversionFor('responses', 'completions', opts).response(
      {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1745500000,
        model: 'gpt-4.1-2025-04-14',
        choices: [
          {
            index: 0,
            finish_reason: 'tool_calls',
            message: {
              role: 'assistant',
              content: 'Checking.',
              reasoning_content: 'think',
              tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
            },
          },
        ],
        usage: { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42, prompt_tokens_details: { cached_tokens: 10 } },
      },
      (u) => usage.push(u),
      { model: 'gpt-4.1', input: 'x', instructions: 'Be brief.', tools: [] },
    );
    expect(usage).toEqual([{ inputTokens: 30, outputTokens: 12, cacheReadTokens: 10 }]);
    expect(out).toMatchObject({
      object: 'response',
      created_at: 1745500000,
      status: 'completed',
      model: 'gpt-4.1-2025-04-14',
      instructions: 'Be brief.',
      store: false,
      incomplete_details: null,
      output: [
        { type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'think' }] },
        { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
        { type: 'function_call', call_id: 'call_9', name: 'f', arguments: '{"a":1}', status: 'completed' },
      ],
      usage: {
        input_tokens: 30,
        input_tokens_details: { cached_tokens: 10 },
        output_tokens: 12,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 42,
      },
    });
    expect(String(out.id)).toMatch(/^resp_/);
  });

  it('an Anthropic message cut by max_tokens is an incomplete Response', () => {
    const out = conversionFor('responses', 'messages', opts).response(
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [{ type: 'text', text: 'Once' }],
        stop_reason: 'max_tokens',
        usage: { input_tokens: 5, output_tokens: 1 },
      },
      () => {},
    );
    expect(out).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: [{ type: 'message', status: 'incomplete' }],
    });
  });

  it('a Response from OpenAI passes unchanged and its usage is read (cached and reasoning tokens kept)', () => {
    const usage: Usage[] = [];
    const body = {
      id: 'resp_1',
      object: 'response',
      model: 'o4-mini',
      output: [],
      usage: {
        input_tokens: 100,
        input_tokens_details: { cached_tokens: 64 },
        output_tokens: 40,
        output_tokens_details: { reasoning_tokens: 32 },
        total_tokens: 140,
      },
    };
    const conv = conversionFor('responses', 'responses');
    expect(conv.request({ model: 'o4-mini', input: 'x', previous_response_id: 'resp_0' })).toEqual({
      model: 'o4-mini',
      input: 'x',
      previous_response_id: 'resp_0',
    });
    expect(conv.response(body, (u) => usage.push(u))).toBe(body);
    expect(usage).toEqual([{ inputTokens: 100, outputTokens: 40, cacheReadTokens: 64, reasoningTokens: 32 }]);
  });
});

describe('prompt guards read Responses requests and answers', () => {
  it('instructions, string or item input, and output_text parts are slots', async () => {
    const { promptSlots, answerSlots } = await import('../../../src/policies/prompt-guard/texts.js');
    const body = {
      instructions: 'Sys',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'my SSN is 123' },
            { type: 'input_image', image_url: 'https://x' },
          ],
        },
        { type: 'function_call_output', call_id: 'c', output: 'tool text is not the prompt' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'earlier answer' }] },
      ],
    };
    const slots = promptSlots(body, 'responses');
    expect(slots.map((s) => [s.role, s.get()])).toEqual([
      ['system', 'Sys'],
      ['user', 'my SSN is 123'],
      ['assistant', 'earlier answer'],
    ]);
    slots[1]!.set('my SSN is <masked>');
    expect(body.input[0]!.content![0]).toEqual({ type: 'input_text', text: 'my SSN is <masked>' });
    expect(promptSlots({ input: 'hello' }, 'responses').map((s) => s.get())).toEqual(['hello']);
    const answer = { output: [{ type: 'reasoning' }, { type: 'message', content: [{ type: 'output_text', text: 'out' }] }] };
    expect(answerSlots(answer, 'responses').map((s) => s.get())).toEqual(['out']);
  });
});
