// Anthropic Messages stream events as the API frames them (`event:` + `data:` + blank line), for
// the stream tests that build their own streams.
export const anthropicEvent = (type: string, data: object): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/** `message_start` with an empty assistant message and the given usage. */
export function messageStart(usage: object = { input_tokens: 25, output_tokens: 1 }, model = 'claude-x'): string {
  return anthropicEvent('message_start', {
    message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model, stop_reason: null, stop_sequence: null, usage },
  });
}
