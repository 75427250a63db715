// SSE framing, native vs TS, on whole provider streams (one framer per stream, as per request).
// Every run checks the frame count and the total data bytes against the stream's own count.
import { SSE_STRIDE, type Implementation } from '../../src/native/index.js';
import { check, impls, nsPerUnit, runIfMain, type Row, type Task } from './common.js';
import { anthropicStream, openAiStream, rechunk, type Stream } from './streams.js';

function frameAll(impl: Implementation, s: Stream): void {
  const framer = impl.createSseFramer();
  let frames = 0;
  let bytes = 0;
  for (const chunk of s.chunks) {
    const b = framer.push(chunk);
    const o = b.offsets;
    for (let k = 0; k < b.count * SSE_STRIDE; k += SSE_STRIDE) bytes += o[k + 3]! - o[k + 2]!;
    frames += b.count;
  }
  check(!framer.end(), 'stream ended cleanly');
  check(frames === s.frames && bytes === s.dataBytes, `${frames} frames / ${bytes} data bytes, want ${s.frames} / ${s.dataBytes}`);
}

export async function sseBench(): Promise<Row[]> {
  const { ts, native } = impls();
  const openai = openAiStream(300);
  const anthropic = anthropicStream(300);
  // One event per read is an idle gateway keeping up with the provider; 1448-byte reads are
  // one TCP segment each; 16 KiB reads are a busy event loop finding many events queued.
  const inputs: [string, Stream][] = [
    ['OpenAI, 1 event per chunk', openai],
    ['OpenAI, 1448 B reads', rechunk(openai, 1448)],
    ['OpenAI, 16 KiB reads', rechunk(openai, 16384)],
    ['Anthropic, 1 event per chunk', anthropic],
    ['Anthropic, 1448 B reads', rechunk(anthropic, 1448)],
    ['Anthropic, 16 KiB reads', rechunk(anthropic, 16384)],
  ];
  const tasks: Record<string, Task> = {};
  for (const [name, s] of inputs) {
    tasks[`ts ${name}`] = { fn: () => frameAll(ts, s), units: s.frames };
    if (native) tasks[`native ${name}`] = { fn: () => frameAll(native, s), units: s.frames };
  }
  const ns = await nsPerUnit(tasks);
  return inputs.map(([name]) => ({
    job: 'sse',
    input: name,
    unit: 'event',
    tsNs: ns[`ts ${name}`]!,
    nativeNs: ns[`native ${name}`] ?? null,
  }));
}

runIfMain(import.meta.url, sseBench);
