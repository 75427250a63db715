// The Anthropic Messages stream the bench mock upstream answers (mock-upstream.ts), in one place
// so the translation micro benchmark (bench/micro/translate-stream.ts) feeds the same bytes:
// message_start, a text block of 18 text_delta events, content_block_stop, message_delta with
// the output usage, message_stop.
export function anthropicStream(): string {
  const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  let out = ev('message_start', {
    message: {
      id: 'msg_bench',
      type: 'message',
      role: 'assistant',
      content: [],
      model: 'claude-haiku-4-5-20251001',
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 19, output_tokens: 1 },
    },
  });
  out += ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  for (let i = 0; i < 18; i++) out += ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ` token${i}` } });
  out += ev('content_block_stop', { index: 0 });
  out += ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 18 } });
  return out + ev('message_stop', {});
}
