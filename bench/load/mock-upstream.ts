// The load benchmark's upstream, a separate process: uWS answering POST /v1/chat/completions
// with a fixed ~390-byte chat.completion, or (`"stream":true` in the body) 20
// chat.completion.chunk events plus [DONE] written in one cork, chunked like real providers.
// POST /v1/messages answers the Anthropic equivalents, POST /model/<id>/converse[-stream] Bedrock's
// (the stream in AWS event-stream framing); Gemini's generateContent and streamGenerateContent
// (Gemini API /v1beta/models/... and Vertex /v1/projects/... paths) a GenerateContentResponse or
// 20 alt=sse chunks (CRLF framing, running usage, finishReason last). GET /__stats counts requests.
// An optional second argument delays every answer by that many milliseconds (a slow upstream);
// an optional third paces OpenAI and Anthropic streams: one event every that many milliseconds,
// each its own write, as a model emits tokens (time-to-first-token and inter-event lanes).
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { App, us_socket_local_port } from 'uWebSockets.js';
import { anthropicStream } from './mock-anthropic-stream.js';
import { CHAT_COMPLETION } from './mock-completion.js';

const port = Number(process.argv[2] ?? 18000);
const delayMs = Number(process.argv[3] ?? 0);
const gapMs = Number(process.argv[4] ?? 0);
let served = 0;

const completion = CHAT_COMPLETION;

function openaiStream(): string {
  const base = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1741569952,
    model: 'gpt-4o-mini-2024-07-18',
    system_fingerprint: 'fp_bench',
  };
  let out = `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] })}\n\n`;
  for (let i = 0; i < 18; i++)
    out += `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: ` token${i}` }, logprobs: null, finish_reason: null }] })}\n\n`;
  out += `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], usage: { prompt_tokens: 19, completion_tokens: 18, total_tokens: 37 } })}\n\n`;
  return `${out}data: [DONE]\n\n`;
}

function geminiStream(): string {
  const chunk = (text: string, candidates: number, finish?: string) =>
    `data: ${JSON.stringify({
      candidates: [{ content: { parts: [{ text }], role: 'model' }, ...(finish ? { finishReason: finish } : {}), index: 0 }],
      usageMetadata: { promptTokenCount: 19, candidatesTokenCount: candidates, totalTokenCount: 19 + candidates },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'bench-gemini',
    })}\r\n\r\n`;
  let out = '';
  for (let i = 0; i < 19; i++) out += chunk(` token${i}`, i + 1);
  return out + chunk('.', 20, 'STOP');
}

const generated = JSON.stringify({
  candidates: [{ content: { parts: [{ text: 'Hello! How can I assist you today?' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 19, candidatesTokenCount: 10, totalTokenCount: 29 },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'bench-gemini',
});
const geminiSse = geminiStream();

const message = JSON.stringify({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: 'claude-haiku-4-5-20251001',
  content: [{ type: 'text', text: 'Hello! How can I assist you today?' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 19, output_tokens: 10 },
});
/** Bedrock's ConverseStream for the same answer, in AWS event-stream framing (23 messages). */
function converseStream(): Buffer {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const ev = (type: string, payload: object) =>
    codec.encode({
      headers: {
        ':event-type': { type: 'string', value: type },
        ':content-type': { type: 'string', value: 'application/json' },
        ':message-type': { type: 'string', value: 'event' },
      },
      body: fromUtf8(JSON.stringify({ ...payload, p: 'abcdefghijklmnop' })),
    });
  const parts = [ev('messageStart', { role: 'assistant' })];
  for (let i = 0; i < 19; i++) parts.push(ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: ` token${i}` } }));
  parts.push(ev('contentBlockStop', { contentBlockIndex: 0 }));
  parts.push(ev('messageStop', { stopReason: 'end_turn' }));
  parts.push(ev('metadata', { usage: { inputTokens: 19, outputTokens: 19, totalTokens: 38 }, metrics: { latencyMs: 100 } }));
  return Buffer.concat(parts);
}

const converse = JSON.stringify({
  output: { message: { role: 'assistant', content: [{ text: 'Hello! How can I assist you today?' }] } },
  stopReason: 'end_turn',
  usage: { inputTokens: 19, outputTokens: 10, totalTokens: 29 },
  metrics: { latencyMs: 100 },
});
const converseEvents = converseStream();
const openaiSse = openaiStream();
const anthropicSse = anthropicStream();
const STREAM = Buffer.from('"stream":true');

type Kind = 'openai' | 'anthropic' | 'bedrock' | 'gemini';

/** `pathStream`: Bedrock and Gemini say in the path whether they stream. */
function reply(res: import('uWebSockets.js').HttpResponse, kind: Kind, pathStream = false): void {
  const chunks: Buffer[] = [];
  let aborted = false;
  res.onAborted(() => (aborted = true));
  res.onData((ab, last) => {
    chunks.push(Buffer.from(new Uint8Array(ab)));
    if (!last) return;
    served++;
    const stream = kind === 'bedrock' || kind === 'gemini' ? pathStream : Buffer.concat(chunks).includes(STREAM);
    if (delayMs > 0) setTimeout(() => aborted || answer(res, kind, stream), delayMs);
    else answer(res, kind, stream);
  });
}

function answer(res: import('uWebSockets.js').HttpResponse, kind: Kind, stream: boolean): void {
  res.cork(() => {
    res.writeStatus('200 OK');
    if (stream && kind === 'bedrock') {
      res.writeHeader('content-type', 'application/vnd.amazon.eventstream');
      res.write(converseEvents);
      res.end();
    } else if (stream && gapMs > 0 && (kind === 'openai' || kind === 'anthropic')) {
      res.writeHeader('content-type', 'text/event-stream');
      paceEvents(res, kind === 'anthropic' ? anthropicEvents : openaiEvents);
    } else if (stream) {
      res.writeHeader('content-type', 'text/event-stream');
      res.write(kind === 'anthropic' ? anthropicSse : kind === 'gemini' ? geminiSse : openaiSse);
      res.end();
    } else {
      res.writeHeader('content-type', 'application/json');
      res.end(kind === 'anthropic' ? message : kind === 'bedrock' ? converse : kind === 'gemini' ? generated : completion);
    }
  });
}

const splitEvents = (s: string) => s.split(/(?<=\n\n)/);
const openaiEvents = splitEvents(openaiSse);
const anthropicEvents = splitEvents(anthropicSse);

/** Writes the first event now (inside the caller's cork) and each next one `gapMs` later. */
function paceEvents(res: import('uWebSockets.js').HttpResponse, events: string[]): void {
  let gone = false;
  res.onAborted(() => (gone = true));
  let i = 0;
  const write = (): boolean => {
    const last = i === events.length - 1;
    if (last) res.end(events[i++]);
    else res.write(events[i++]!);
    return last;
  };
  const next = (): void => {
    if (gone) return;
    let last = false;
    res.cork(() => (last = write()));
    if (!last) setTimeout(next, gapMs);
  };
  write();
  setTimeout(next, gapMs);
}

App()
  .post('/v1/chat/completions', (res) => reply(res, 'openai'))
  .post('/v1/messages', (res) => reply(res, 'anthropic'))
  .post('/model/*', (res, req) => reply(res, 'bedrock', req.getUrl().endsWith('/converse-stream')))
  .post('/v1beta/models/*', (res, req) => reply(res, 'gemini', req.getUrl().endsWith(':streamGenerateContent')))
  .post('/v1/projects/*', (res, req) => reply(res, 'gemini', req.getUrl().endsWith(':streamGenerateContent')))
  .get('/__stats', (res) => void res.end(JSON.stringify({ served })))
  .listen('127.0.0.1', port, (s) => {
    if (!s) {
      console.error(`mock upstream: cannot listen on ${port}`);
      process.exit(1);
    }
    console.log(`mock upstream listening on ${us_socket_local_port(s as never)}`);
  });
