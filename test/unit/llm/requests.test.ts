// Request conversion edge cases: what each target cannot express is a 400 naming the field,
// unknown fields never crash, and the small mapping rules (thinking budget, tool choice).
import { describe, expect, it } from 'vitest';
import { conversionFor } from '../../../src/llm/convert/index.js';
import { GatewayError } from '../../../src/errors.js';

type Obj = Record<string, unknown>;
const toMessages = conversionFor('completions', 'messages');
const toCompletions = conversionFor('messages', 'completions');

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a GatewayError');
}

const user = (content: unknown): Obj => ({ role: 'user', content });

describe('completions -> messages requests', () => {
  const base = (extra: Obj = {}, messages: unknown[] = [user('hi')]): Obj => ({ model: 'claude-x', messages, ...extra });

  it.each([
    ['n', base({ n: 2 })],
    ['logprobs', base({ logprobs: true })],
    ['audio', base({ audio: { voice: 'alloy', format: 'wav' } })],
    ['modalities', base({ modalities: ['text', 'audio'] })],
    ['web_search_options', base({ web_search_options: {} })],
    ['model', { messages: [user('hi')] }],
    ['messages', { model: 'claude-x', messages: 'hi' }],
    ['messages[0].role', base({}, [{ role: 'narrator', content: 'hi' }])],
    ['messages[0].role', base({}, [{ role: 'function', name: 'f', content: '1' }])],
    ['messages[0].content[0].file', base({}, [user([{ type: 'file', file: { file_id: 'file-abc' } }])])],
    [
      'messages[0].content[0].file.file_data',
      base({}, [user([{ type: 'file', file: { file_data: 'data:application/zip;base64,UEsDBA==' } }])]),
    ],
    ['messages[0].content[0]', base({}, [user([{ type: 'video', video: {} }])])],
    ['messages[0].content[0].image_url.url', base({}, [user([{ type: 'image_url', image_url: { url: 'data:image/png,rawbytes' } }])])],
    [
      'messages[1].function_call',
      base({}, [user('hi'), { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } }]),
    ],
    ['tools[0]', base({ tools: [{ type: 'custom', custom: { name: 'grammar' } }] })],
    ['tool_choice', base({ tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'sometimes' })],
  ])('refuses what Anthropic cannot express: %s', (param, body) => {
    const e = refusal(() => toMessages.request(body));
    expect([e.status, e.kind, e.param]).toEqual([400, 'invalid_field', param]);
  });

  it('names the tool call whose arguments are not a JSON object', () => {
    const call = (args: string): Obj => ({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: args } }],
    });
    for (const args of ['{"location": "Par', '[1,2]', '"text"']) {
      const e = refusal(() => toMessages.request(base({}, [user('hi'), call(args)])));
      expect(e.param).toBe('messages[1].tool_calls[0].function.arguments');
    }
  });

  it('ignores unknown fields anywhere instead of crashing or forwarding them', () => {
    const out = toMessages.request(
      base({ logit_bias: { 50256: -100 }, prediction: { type: 'content', content: 'x' }, vendor: { deep: [null] } }, [
        { role: 'user', content: [{ type: 'text', text: 'hi', annotations: [] }], extra: true },
      ]),
    );
    expect(out).toEqual({ model: 'claude-x', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
  });

  it('caps the thinking budget below max_tokens and drops it when thinking cannot fit', () => {
    expect(toMessages.request(base({ reasoning_effort: 'high', max_tokens: 3000 })).thinking).toEqual({
      type: 'enabled',
      budget_tokens: 2999,
    });
    expect(toMessages.request(base({ reasoning_effort: 'low', max_tokens: 1024 })).thinking).toBeUndefined();
    expect(toMessages.request(base({ reasoning_effort: 'none' })).thinking).toBeUndefined();
    expect(toMessages.request(base({ thinking_budget_tokens: 5000, max_tokens: 9000 })).thinking).toEqual({
      type: 'enabled',
      budget_tokens: 5000,
    });
  });

  it('maps tool_choice and parallel_tool_calls', () => {
    const tools = [{ type: 'function', function: { name: 'f' } }];
    expect(toMessages.request(base({ tools, tool_choice: 'none' })).tool_choice).toEqual({ type: 'none' });
    expect(toMessages.request(base({ tools, tool_choice: 'auto' })).tool_choice).toEqual({ type: 'auto' });
    expect(toMessages.request(base({ tools, parallel_tool_calls: false })).tool_choice).toEqual({
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    expect(toMessages.request(base({ tools, tool_choice: 'required', parallel_tool_calls: false })).tool_choice).toEqual({
      type: 'any',
      disable_parallel_tool_use: true,
    });
    expect(toMessages.request(base({ tools: [], tool_choice: 'none' }))).not.toHaveProperty('tool_choice');
  });

  it('maps json_object to an open object schema and plain text parts to a text document', () => {
    expect(toMessages.request(base({ response_format: { type: 'json_object' } })).output_config).toEqual({
      format: { type: 'json_schema', schema: { type: 'object', additionalProperties: true } },
    });
    const doc = toMessages.request(
      base({}, [user([{ type: 'file', file: { file_data: `data:text/plain;base64,${Buffer.from('notes').toString('base64')}` } }])]),
    );
    expect(doc.messages).toEqual([
      { role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'notes' } }] },
    ]);
  });

  it('drops unsigned reasoning from history but replays signed thinking', () => {
    const unsigned = toMessages.request(base({}, [user('a'), { role: 'assistant', content: 'b', reasoning_content: 'r' }, user('c')]));
    expect((unsigned.messages as Obj[])[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'b' }] });
  });
});

describe('messages -> completions requests', () => {
  const base = (extra: Obj = {}, messages: unknown[] = [user('hi')]): Obj => ({ model: 'gpt-x', max_tokens: 100, messages, ...extra });
  const image = (source: Obj): Obj => ({ type: 'image', source });

  it.each([
    ['tools[0]', base({ tools: [{ type: 'bash_20250124', name: 'bash' }] })],
    ['mcp_servers', base({ mcp_servers: [{ type: 'url', url: 'https://mcp.example.com/sse', name: 'x' }] })],
    ['messages[0].content[0].source', base({}, [user([image({ type: 'file', file_id: 'file_011' })])])],
    ['messages[0].content[0].source', base({}, [user([{ type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } }])])],
    ['messages[0].content[0]', base({}, [user([{ type: 'search_result', source: 'x', title: 't', content: [] }])])],
    [
      'messages[1].content[0]',
      base({}, [
        user('hi'),
        { role: 'assistant', content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }] },
      ]),
    ],
    [
      'messages[0].content[0].content[0]',
      base({}, [
        user([
          {
            type: 'tool_result',
            tool_use_id: 't',
            content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }],
          },
        ]),
      ]),
    ],
    ['messages[0].role', base({}, [{ role: 'tool', content: 'x' }])],
    ['messages[1].content[0]', base({}, [user('hi'), { role: 'system', content: [image({ type: 'url', url: 'https://x/y.png' })] }])],
    ['tool_choice.type', base({ tools: [{ name: 'f', input_schema: { type: 'object' } }], tool_choice: { type: 'sometimes' } })],
  ])('refuses what an OpenAI-compatible provider cannot run: %s', (param, body) => {
    const e = refusal(() => toCompletions.request(body));
    expect([e.status, e.param]).toEqual([400, param]);
  });

  it('maps thinking to reasoning_effort', () => {
    const effort = (extra: Obj, model = 'gpt-x'): unknown => toCompletions.request({ ...base(extra), model }).reasoning_effort;
    expect(effort({ thinking: { type: 'enabled', budget_tokens: 1024 } })).toBe('low');
    expect(effort({ thinking: { type: 'enabled', budget_tokens: 3000 } })).toBe('medium');
    expect(effort({ thinking: { type: 'enabled', budget_tokens: 32000 } })).toBe('high');
    expect(effort({ thinking: { type: 'adaptive' } })).toBe('high');
    expect(effort({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } })).toBe('low');
    expect(effort({ thinking: { type: 'adaptive' }, output_config: { effort: 'max' } })).toBe('high');
    expect(effort({ thinking: { type: 'disabled' } })).toBeUndefined();
    // an effort without thinking only reaches models known to reason
    expect(effort({ output_config: { effort: 'max' } })).toBeUndefined();
    expect(effort({ output_config: { effort: 'max' } }, 'gpt-4o')).toBeUndefined();
    expect(effort({ output_config: { effort: 'max' } }, 'o3')).toBe('high');
    expect(effort({ output_config: { effort: 'xhigh' } }, 'gpt-5.2')).toBe('xhigh');
    expect(effort({ output_config: { effort: 'max' } }, 'gpt-5.6-sol')).toBe('max');
    expect(effort({ output_config: { effort: 'low' } }, 'gpt-5-mini')).toBe('low');
    expect(effort({ thinking: { type: 'adaptive' } }, 'gpt-4o')).toBeUndefined();
    expect(effort({ thinking: { type: 'adaptive' } }, 'o1-mini')).toBeUndefined();
  });

  it('maps tool choice and the parallel flag only when tools are present', () => {
    const tools = [{ name: 'f', input_schema: { type: 'object' } }];
    expect(toCompletions.request(base({ tools, tool_choice: { type: 'none' } }))).toMatchObject({ tool_choice: 'none' });
    expect(toCompletions.request(base({ tools, tool_choice: { type: 'tool', name: 'f', disable_parallel_tool_use: true } }))).toMatchObject(
      {
        tool_choice: { type: 'function', function: { name: 'f' } },
        parallel_tool_calls: false,
      },
    );
    expect(toCompletions.request(base({ tool_choice: { type: 'auto' } }))).not.toHaveProperty('tool_choice');
  });

  it('sends a tool_result without content as an empty tool message', () => {
    const out = toCompletions.request(
      base({}, [
        user('hi'),
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
        user([{ type: 'tool_result', tool_use_id: 't1' }]),
      ]),
    );
    expect((out.messages as Obj[]).at(-1)).toEqual({ role: 'tool', tool_call_id: 't1', content: '' });
  });

  it('does not mutate the client body', () => {
    const body = base({ stream: true, system: [{ type: 'text', text: 's', cache_control: { type: 'ephemeral' } }] });
    const before = JSON.stringify(body);
    toCompletions.request(body);
    expect(JSON.stringify(body)).toBe(before);
  });
});

describe('same-format requests', () => {
  it('asks a completions upstream for usage on streams, keeping other stream options', () => {
    const body = { model: 'gpt-x', messages: [], stream: true, stream_options: { include_obfuscation: false } };
    expect(conversionFor('completions', 'completions').request(body)).toEqual({
      ...body,
      stream_options: { include_obfuscation: false, include_usage: true },
    });
    expect(body.stream_options).toEqual({ include_obfuscation: false });
  });

  it('leaves non-streaming and messages bodies as they are', () => {
    const a = { model: 'gpt-x', messages: [], unknown_field: 1 };
    const b = { model: 'claude-x', max_tokens: 1, messages: [], stream: true, future_param: { x: 1 } };
    expect(conversionFor('completions', 'completions').request(a)).toBe(a);
    expect(conversionFor('messages', 'messages').request(b)).toBe(b);
  });
});
