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

/** `event: <type>\ndata: {...}\n\n` as in Anthropic's streaming reference. */
export function anthropicStream(req: any): string[] {
  const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const model = req?.model ?? 'claude-sonnet-4-5-20250929';
  const events = [
    ev('message_start', {
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
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ev('ping', {}),
  ];
  for (const piece of ['Hi', '! My name', ' is Claude', '.']) {
    events.push(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } }));
  }
  events.push(
    ev('content_block_stop', { index: 0 }),
    ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }),
    ev('message_stop', {}),
  );
  return events;
}
