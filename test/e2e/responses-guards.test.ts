// Response guards on streamed Responses answers (OpenAI `/v1/responses` clients), with the official
// OpenAI SDK: an email split across three deltas is masked in the deltas AND in every whole-text
// copy the Responses stream carries (output_text.done, content_part.done, output_item.done,
// response.completed), whether OpenAI streamed Responses events itself (passed through) or
// Anthropic's Messages stream was translated; a reject rule ends the stream with a Responses
// `error` event and no response.completed. Mock streams follow the providers' documented events.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { openaiResponsesStream } from '../helpers/provider-formats.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';

const PORT = await freePort();
const PIECES = ['Write to jane.d', 'oe@exam', 'ple.com', ' today.'];
const FULL = PIECES.join('');
const MASKED = 'Write to <EMAIL_ADDRESS> today.';
const LEAKS = ['jane', 'oe@exam', 'example', 'ple.com'];

const guard = (action: string) =>
  `promptGuard: {response: [{regex: {action: ${action}, rules: [{builtin: email}]}, rejection: {body: "no emails in answers"}}]}`;
const CONFIG = `
binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: openai-mask
      matches: [{path: {pathPrefix: /openai-mask}}]
      backends: [{ai: {name: openai, provider: {openAI: {}}, policies: {ai: {${guard('mask')}}}}}]
      policies: {backendAuth: {key: sk-openai}}
    - name: openai-reject
      matches: [{path: {pathPrefix: /openai-reject}}]
      backends: [{ai: {name: openai, provider: {openAI: {}}, policies: {ai: {${guard('reject')}}}}}]
      policies: {backendAuth: {key: sk-openai}}
    - name: anthropic-mask
      matches: [{path: {pathPrefix: /anthropic-mask}}]
      backends: [{ai: {name: anthropic, provider: {anthropic: {model: claude-sonnet-4-5-20250929}}, policies: {ai: {${guard('mask')}}}}}]
      policies: {backendAuth: {key: sk-ant}}
`;

/** OpenAI's documented Responses stream, its text an email split across deltas. */
function openaiEmailStream(req: unknown): string[] {
  const events = openaiResponsesStream(req).map((e) => JSON.parse(e.split('\ndata: ')[1]!) as any);
  const deltas = events.filter((e) => e.type === 'response.output_text.delta');
  const out: any[] = [];
  for (const e of events) {
    if (e.type === 'response.output_text.delta') {
      if (e === deltas[0]) out.push(...PIECES.map((delta) => ({ ...e, delta })));
      continue;
    }
    // Every whole-text copy (done events, the final Response) carries the full text.
    out.push(JSON.parse(JSON.stringify(e).replaceAll(/"text":"[^"]+"/g, `"text":"${FULL}"`)));
  }
  return out.map((e, i) => `event: ${e.type}\ndata: ${JSON.stringify({ ...e, sequence_number: i })}\n\n`);
}

const sse = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
/** Anthropic's documented Messages stream with the same text. */
function anthropicEmailStream(): string[] {
  return [
    sse('message_start', {
      message: {
        id: 'msg_01Email',
        type: 'message',
        role: 'assistant',
        content: [],
        model: 'claude-sonnet-4-5-20250929',
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 25, output_tokens: 1 },
      },
    }),
    sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ...PIECES.map((text) => sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
    sse('content_block_stop', { index: 0 }),
    sse('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }),
    sse('message_stop', {}),
  ];
}

const mocks = useProviderMocks();
let gw: GatewayProcess;
const client = (prefix: string) => new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/${prefix}/v1`, apiKey: 'client-key', maxRetries: 0 });

beforeAll(async () => {
  gw = await GatewayProcess.start({ args: ['-c', CONFIG, ...mocks.args()], env: { ADMIN_ADDR: 'off', READINESS_ADDR: 'off' } });
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
});

/** Every event of a streamed Response, as the SDK parsed them. */
async function events(prefix: string, model: string): Promise<any[]> {
  const stream = await client(prefix).responses.create({ model, input: 'Where do I write?', stream: true });
  const out: any[] = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

function expectMasked(evs: any[]): void {
  const text = evs
    .filter((e) => e.type === 'response.output_text.delta')
    .map((e) => e.delta)
    .join('');
  expect(text).toBe(MASKED);
  expect(evs.find((e) => e.type === 'response.output_text.done').text).toBe(MASKED);
  expect(evs.find((e) => e.type === 'response.content_part.done').part.text).toBe(MASKED);
  expect(evs.find((e) => e.type === 'response.output_item.done').item.content[0].text).toBe(MASKED);
  const completed = evs.at(-1);
  expect(completed.type).toBe('response.completed');
  expect(completed.response.output[0].content[0].text).toBe(MASKED);
  const raw = JSON.stringify(evs);
  for (const leak of LEAKS) expect(raw).not.toContain(leak);
  // Sequence numbers stay in order, one per event.
  expect(evs.map((e) => e.sequence_number)).toEqual(evs.map((_, i) => i));
}

describe('response guards on streamed Responses', () => {
  it('OpenAI passthrough: the email is masked in the deltas and in every whole-text copy', async () => {
    mocks.openai.handler = (req, res) => mocks.openai.stream(res, openaiEmailStream(req.json));
    expectMasked(await events('openai-mask', 'gpt-4.1'));
  });

  it("the SDK's responses.stream() accumulator sees only the masked text", async () => {
    mocks.openai.handler = (req, res) => mocks.openai.stream(res, openaiEmailStream(req.json));
    const r = await client('openai-mask').responses.stream({ model: 'gpt-4.1', input: 'Where do I write?' }).finalResponse();
    expect(r.output_text).toBe(MASKED);
  });

  it('Anthropic translated to Responses: masked the same way', async () => {
    mocks.anthropic.handler = (_req, res) => mocks.anthropic.stream(res, anthropicEmailStream());
    expectMasked(await events('anthropic-mask', 'claude-sonnet-4-5-20250929'));
  });

  it('a reject rule ends the stream with a Responses error event and no response.completed', async () => {
    mocks.openai.handler = (req, res) => mocks.openai.stream(res, openaiEmailStream(req.json));
    // The SDK yields the Responses `error` event (it carries no `error` member to throw on).
    const evs = await events('openai-reject', 'gpt-4.1');
    expect(evs.at(-1)).toMatchObject({ type: 'error', message: 'no emails in answers', sequence_number: evs.length - 1 });
    expect(evs.some((e) => e.type === 'response.completed')).toBe(false);
    expect(JSON.stringify(evs)).not.toContain('jane');
  });
});
