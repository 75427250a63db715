// Realistic provider streams for the SSE benchmark: OpenAI chat.completion.chunk and Anthropic
// messages events with the fields those APIs send today, chunked the way they reach undici.
// Deterministic, so every run frames the same bytes.

export interface Stream {
  chunks: Buffer[];
  frames: number;
  dataBytes: number;
}

const WORDS = [
  'The',
  ' gateway',
  ' streams',
  ' tokens',
  ' as',
  ' they',
  ' arrive',
  ',',
  ' one',
  ' delta',
  ' per',
  ' event',
  '.',
  ' Über',
  ' “quoted”',
  ' 世界',
];

function token(i: number): string {
  return WORDS[(i * 7 + 3) % WORDS.length]!;
}

function finish(events: string[]): Stream {
  let dataBytes = 0;
  for (const e of events) {
    const data = e.split('\n').find((l) => l.startsWith('data: '))!;
    dataBytes += Buffer.byteLength(data) - 'data: '.length;
  }
  return { chunks: events.map((e) => Buffer.from(e)), frames: events.length, dataBytes };
}

/** One `data:` event per token, then finish_reason, the usage chunk and [DONE]. */
export function openAiStream(tokens: number): Stream {
  const head =
    '{"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_eb9dce56a8","choices":';
  const ev = (json: string) => `data: ${json}\n\n`;
  const events = [
    ev(`${head}[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`),
  ];
  for (let i = 0; i < tokens; i++) {
    events.push(
      ev(`${head}[{"index":0,"delta":{"content":${JSON.stringify(token(i))}},"logprobs":null,"finish_reason":null}],"usage":null}`),
    );
  }
  events.push(ev(`${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}`));
  events.push(
    ev(
      `${head}[],"usage":{"prompt_tokens":1117,"completion_tokens":${tokens},"total_tokens":${1117 + tokens},"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`,
    ),
  );
  events.push('data: [DONE]\n\n');
  return finish(events);
}

/** message_start, a text block of `tokens` deltas with a ping, message_delta, message_stop. */
export function anthropicStream(tokens: number): Stream {
  const ev = (type: string, json: string) => `event: ${type}\ndata: ${json}\n\n`;
  const events = [
    ev(
      'message_start',
      '{"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":2048,"output_tokens":2,"service_tier":"standard"}}}',
    ),
    ev('content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'),
    ev('ping', '{"type": "ping"}'),
  ];
  for (let i = 0; i < tokens; i++) {
    events.push(
      ev(
        'content_block_delta',
        `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(token(i))}}}`,
      ),
    );
  }
  events.push(ev('content_block_stop', '{"type":"content_block_stop","index":0}'));
  events.push(
    ev(
      'message_delta',
      `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":${tokens}}}`,
    ),
  );
  events.push(ev('message_stop', '{"type":"message_stop"}'));
  return finish(events);
}

/** The same bytes as reads of up to `size` bytes: what a consumer that fell behind sees. */
export function rechunk(s: Stream, size: number): Stream {
  const all = Buffer.concat(s.chunks);
  const chunks: Buffer[] = [];
  for (let i = 0; i < all.length; i += size) chunks.push(all.subarray(i, i + size));
  return { ...s, chunks };
}
