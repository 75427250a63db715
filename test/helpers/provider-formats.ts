// Responses exactly as OpenAI and Anthropic document them (field order and all), used by
// the mock upstream. Written from the providers' API references, independently of the
// gateway's own mock provider, so a formatting bug in one cannot hide in the other.

export const OPENAI_TEXT = 'Hello! How can I assist you today?';
export const ANTHROPIC_TEXT = 'Hi! My name is Claude.';

export function openaiCompletion(req: any): object {
  return {
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    object: 'chat.completion',
    created: 1741569952,
    model: `${req?.model ?? 'gpt-4o'}-2024-08-06`,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: OPENAI_TEXT, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 19,
      completion_tokens: 10,
      total_tokens: 29,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: 'default',
  };
}

/** `data: {chunk}\n\n` events, then `data: [DONE]`; a usage chunk when stream_options asks. */
export function openaiStream(req: any): string[] {
  const includeUsage = req?.stream_options?.include_usage === true;
  const base = {
    id: 'chatcmpl-123',
    object: 'chat.completion.chunk',
    created: 1694268190,
    model: `${req?.model ?? 'gpt-4o'}-2024-08-06`,
    service_tier: 'default',
    system_fingerprint: 'fp_44709d6fcb',
  };
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) })}\n\n`;
  const events = [chunk({ role: 'assistant', content: '', refusal: null }, null)];
  for (const piece of ['Hello', '!', ' How', ' can', ' I', ' assist', ' you', ' today', '?']) events.push(chunk({ content: piece }, null));
  events.push(chunk({}, 'stop'));
  if (includeUsage) {
    events.push(
      `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } } })}\n\n`,
    );
  }
  events.push('data: [DONE]\n\n');
  return events;
}

export function anthropicMessage(req: any): object {
  return {
    id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
    type: 'message',
    role: 'assistant',
    model: req?.model ?? 'claude-sonnet-4-5-20250929',
    content: [{ type: 'text', text: ANTHROPIC_TEXT }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 2095, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 503, service_tier: 'standard' },
  };
}

/** One Anthropic SSE event: `event: <type>`, then the data carrying the same `type`. */
const sse = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/** `event: <type>\ndata: {...}\n\n` as in Anthropic's streaming reference. */
export function anthropicStream(req: any): string[] {
  const model = req?.model ?? 'claude-sonnet-4-5-20250929';
  const events = [
    sse('message_start', {
      message: {
        id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY',
        type: 'message',
        role: 'assistant',
        content: [],
        model,
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1, service_tier: 'standard' },
      },
    }),
    sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    sse('ping', {}),
  ];
  for (const piece of ['Hi', '! My name', ' is Claude', '.']) {
    events.push(sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } }));
  }
  events.push(
    sse('content_block_stop', { index: 0 }),
    sse('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }),
    sse('message_stop', {}),
  );
  return events;
}

/** Anthropic streaming a text block and two parallel tool calls, arguments split across deltas. */
export const ANTHROPIC_TOOL_ARGS = ['{"location": "San Francisco, CA", "unit": "celsius"}', '{"timezone": "America/Los_Angeles"}'];

export function anthropicToolStream(req: any): string[] {
  const split = (s: string) => [s.slice(0, 1), s.slice(1, 13), s.slice(13, 30), s.slice(30)].filter((p) => p !== '');
  const events = [
    sse('message_start', {
      message: {
        id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
        type: 'message',
        role: 'assistant',
        model: req?.model ?? 'claude-sonnet-4-5-20250929',
        stop_sequence: null,
        usage: { input_tokens: 472, cache_creation_input_tokens: 0, cache_read_input_tokens: 100, output_tokens: 2 },
        content: [],
        stop_reason: null,
      },
    }),
    sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    sse('ping', {}),
    sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Let me check' } }),
    sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ' both.' } }),
    sse('content_block_stop', { index: 0 }),
  ];
  const tools = [
    { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', args: ANTHROPIC_TOOL_ARGS[0]! },
    { id: 'toolu_02A9x1fJ34qAmk2tNTrN8Zz7', name: 'get_time', args: ANTHROPIC_TOOL_ARGS[1]! },
  ];
  tools.forEach((t, i) => {
    const index = i + 1;
    events.push(sse('content_block_start', { index, content_block: { type: 'tool_use', id: t.id, name: t.name, input: {} } }));
    events.push(sse('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } }));
    for (const part of split(t.args))
      events.push(sse('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } }));
    events.push(sse('content_block_stop', { index }));
  });
  events.push(
    sse('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 89 } }),
    sse('message_stop', {}),
  );
  return events;
}

export function anthropicToolMessage(req: any): object {
  return {
    id: 'msg_01Aq9w938a90dw8q',
    type: 'message',
    role: 'assistant',
    model: req?.model ?? 'claude-sonnet-4-5-20250929',
    content: [
      { type: 'text', text: 'Let me check both.' },
      { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: JSON.parse(ANTHROPIC_TOOL_ARGS[0]!) },
      { type: 'tool_use', id: 'toolu_02A9x1fJ34qAmk2tNTrN8Zz7', name: 'get_time', input: JSON.parse(ANTHROPIC_TOOL_ARGS[1]!) },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 472, cache_creation_input_tokens: 50, cache_read_input_tokens: 100, output_tokens: 89 },
  };
}

/** An Anthropic stream that fails midway with an `error` event, as the API documents. */
export function anthropicErrorStream(req: any): string[] {
  return [...anthropicStream(req).slice(0, 4), sse('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })];
}

/** OpenAI streaming a tool call, arguments split across chunks, then usage. */
export const OPENAI_TOOL_ARGS = '{"location":"Paris, France"}';

export function openaiToolStream(req: any): string[] {
  const base = {
    id: 'chatcmpl-tool123',
    object: 'chat.completion.chunk',
    created: 1694268190,
    model: `${req?.model ?? 'gpt-4o'}-2024-08-06`,
    service_tier: 'default',
    system_fingerprint: 'fp_44709d6fcb',
  };
  const includeUsage = req?.stream_options?.include_usage === true;
  const usageNull = includeUsage ? { usage: null } : {};
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...usageNull })}\n\n`;
  const events = [
    chunk(
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ index: 0, id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', type: 'function', function: { name: 'get_weather', arguments: '' } }],
        refusal: null,
      },
      null,
    ),
  ];
  for (const part of ['{"', 'location', '":"', 'Paris', ', France', '"}'])
    events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }, null));
  events.push(chunk({}, 'tool_calls'));
  if (includeUsage) {
    events.push(
      `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 82, completion_tokens: 17, total_tokens: 99, prompt_tokens_details: { cached_tokens: 64, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } } })}\n\n`,
    );
  }
  events.push('data: [DONE]\n\n');
  return events;
}

/** An OpenAI Response (POST /v1/responses), as in the API reference's example. */
export function openaiResponse(req: any, status: 'in_progress' | 'completed' = 'completed', withOutput = true): any {
  const text = OPENAI_TEXT;
  return {
    id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
    object: 'response',
    created_at: 1741476542,
    status,
    error: null,
    incomplete_details: null,
    instructions: req?.instructions ?? null,
    max_output_tokens: null,
    model: 'gpt-4.1-2025-04-14',
    output: withOutput
      ? [
          {
            type: 'message',
            id: 'msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b',
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text, annotations: [] }],
          },
        ]
      : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1.0,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1.0,
    truncation: 'disabled',
    usage:
      status === 'completed'
        ? {
            input_tokens: 36,
            input_tokens_details: { cached_tokens: 12 },
            output_tokens: 87,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: 123,
          }
        : null,
    user: null,
    metadata: {},
  };
}

/** An OpenAI Responses stream: `event: <type>\ndata: {...,"sequence_number":n}` per the streaming reference. */
export function openaiResponsesStream(req: any): string[] {
  const done = openaiResponse(req);
  const item = done.output[0];
  const base = { item_id: item.id, output_index: 0, content_index: 0 };
  const events: object[] = [
    { type: 'response.created', response: openaiResponse(req, 'in_progress', false) },
    { type: 'response.in_progress', response: openaiResponse(req, 'in_progress', false) },
    { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', content: [] } },
    { type: 'response.content_part.added', ...base, part: { type: 'output_text', text: '', annotations: [] } },
    ...['Hello!', ' How can I', ' assist you today?'].map((delta) => ({
      type: 'response.output_text.delta',
      ...base,
      delta,
      logprobs: [],
    })),
    { type: 'response.output_text.done', ...base, text: OPENAI_TEXT, logprobs: [] },
    { type: 'response.content_part.done', ...base, part: item.content[0] },
    { type: 'response.output_item.done', output_index: 0, item },
    { type: 'response.completed', response: done },
  ];
  return events.map((e, i) => {
    const data = { ...e, sequence_number: i } as unknown as { type: string };
    return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
  });
}
