// CPU per stream of the translated SSE lane's own work (an OpenAI client on an Anthropic
// provider, /anthropic/v1/chat/completions in bench/load/gateway.yaml): the bytes the bench mock
// sends (bench/load/mock-anthropic-stream.ts, 23 events) through the completions -> messages
// stream transducer, read whole (the mock writes the stream at once), one event per read (the
// paced mock) and in 1448-byte reads (TCP segments), plus the request side (the client's body
// to the Anthropic body). Every stream's output is checked against the first one's, which is
// checked in full. `npx tsx bench/micro/translate-stream.ts`; BENCH_TIME_MS / BENCH_ROUNDS.
import { conversionFor } from '../../src/llm/convert/index.js';
import type { Json, StreamOptions, StreamTransducer } from '../../src/llm/convert/types.js';
import { MessagesToChunks } from '../../src/llm/stream/messages-to-chunks.js';
import type { Usage } from '../../src/llm/usage.js';
import { anthropicStream } from '../load/mock-anthropic-stream.js';
import { check, nsPerUnit, ROUNDS, TIME_MS, type Task } from './common.js';

const conversion = conversionFor('completions', 'messages');
const now = (): number => Math.floor(Date.now() / 1000);

/** The transducer with its byte-level fast path switched off: every event JSON-parsed. */
class ParsedOnly extends MessagesToChunks {
  protected override onRawFrame(): boolean {
    return false;
  }
}
type Make = (o: StreamOptions) => StreamTransducer;
const shipped: Make = (o) => conversion.stream(o);
const parsedOnly: Make = (o) => new ParsedOnly(o, now);
const SSE = Buffer.from(anthropicStream());
const EVENTS = anthropicStream()
  .split(/(?<=\n\n)/)
  .map((e) => Buffer.from(e));
const segments = (size: number): Buffer[] => {
  const out: Buffer[] = [];
  for (let i = 0; i < SSE.length; i += size) out.push(SSE.subarray(i, i + size));
  return out;
};

/** What the pipeline's LlmResponse gives every stream: usage, model and first-token callbacks. */
function translate(
  make: Make,
  reads: readonly Buffer[],
): { out: Uint8Array[]; usage: Usage | undefined; model: string | undefined; ttft: boolean } {
  let usage: Usage | undefined;
  let model: string | undefined;
  let first: bigint | undefined;
  const t = make({
    includeUsage: false,
    onUsage: (u) => (usage = u),
    onModel: (m) => (model = m),
    onFirstToken: () => (first ??= process.hrtime.bigint()),
  });
  const out: Uint8Array[] = [];
  for (const r of reads) out.push(t.push(r));
  out.push(t.end());
  return { out, usage, model, ttft: first !== undefined };
}

/** The OpenAI client's view: 18 text deltas after the role chunk, a stop chunk, [DONE]. */
function checkFull(make: Make, reads: readonly Buffer[]): number {
  const r = translate(make, reads);
  const text = Buffer.concat(r.out).toString('utf8');
  const frames = text.split('\n\n').filter((f) => f !== '');
  check(frames.every((f) => f.startsWith('data: ')) && frames.at(-1) === 'data: [DONE]', 'OpenAI framing ending in [DONE]');
  const chunks = frames
    .slice(0, -1)
    .map((f) => JSON.parse(f.slice(6)) as { choices: { delta: { content?: string }; finish_reason: string | null }[] });
  const content = chunks.map((c) => c.choices[0]!.delta.content ?? '').join('');
  check(chunks.length === 20, `${chunks.length} chunks, want 20`);
  check(content === Array.from({ length: 18 }, (_, i) => ` token${i}`).join(''), 'the streamed text');
  check(chunks.at(-1)!.choices[0]!.finish_reason === 'stop', 'finish_reason stop');
  check(r.usage?.inputTokens === 19 && r.usage.outputTokens === 18, 'usage 19 in, 18 out');
  check(r.model === 'claude-haiku-4-5-20251001' && r.ttft, 'model and first token reported');
  return Buffer.concat(r.out).length;
}

function streamTask(make: Make, reads: readonly Buffer[]): Task {
  const want = checkFull(make, reads);
  return {
    fn: () => {
      let n = 0;
      for (const b of translate(make, reads).out) n += b.length;
      check(n === want, `${n} output bytes, want ${want}`);
    },
    units: 1,
  };
}

/** The load bench's streaming chat body (CHAT_STREAM in bench/load/lanes.ts, not imported: that module pulls in the whole load harness). */
const body = Buffer.from(
  JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Say hello to the benchmark, please.' },
    ],
    max_tokens: 50,
    stream: true,
  }),
);
const requestTask: Task = {
  fn: () => {
    const out = Buffer.from(
      JSON.stringify(conversion.request({ ...(JSON.parse(body.toString('utf8')) as Json), model: 'claude-haiku-4-5' })),
    );
    check(out.length > 100, 'a Messages request body');
  },
  units: 1,
};

async function main(): Promise<void> {
  const reads: [string, Buffer[]][] = [
    ['mock bytes in one read', [SSE]],
    ['one event per read (paced)', EVENTS],
    ['1448 B reads', segments(1448)],
  ];
  const tasks: Record<string, Task> = {};
  for (const [name, r] of reads) {
    tasks[`stream, ${name}`] = streamTask(shipped, r);
    tasks[`stream, ${name}, fast path off (every event parsed)`] = streamTask(parsedOnly, r);
  }
  tasks['request: client body -> Anthropic body (parse, convert, stringify)'] = requestTask;
  const ns = await nsPerUnit(tasks);
  console.log(`median of ${ROUNDS} rounds of ${TIME_MS} ms per task, node ${process.version}\n`);
  console.log('| translated lane work | µs per stream |\n| --- | ---: |');
  for (const [name, v] of Object.entries(ns)) console.log(`| ${name} | ${(v / 1000).toFixed(2)} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
