// Shared helpers for the golden translation tests: fixture discovery, a deterministic clock
// and id source, stream replay under any chunking, and a strict reader of the client-side SSE
// the transducers produce (it checks the framing byte for byte while it parses).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { conversionFor, type ApiFormat, type Conversion, type ConversionOptions } from '../../src/llm/convert/index.js';
import type { Usage } from '../../src/llm/usage.js';

export const GOLDEN = dirname(fileURLToPath(import.meta.url));
export const FORMATS: ApiFormat[] = ['completions', 'messages'];
export const CREATED = 1700000000;

export function other(f: ApiFormat): ApiFormat {
  return f === 'completions' ? 'messages' : 'completions';
}

/** Fresh deterministic options per conversion: fixed clock, counting id source. */
export function testOptions(): ConversionOptions {
  let n = 0;
  return { now: () => CREATED, newId: (prefix) => `${prefix}test${++n}` };
}

export function conversion(client: ApiFormat, provider: ApiFormat): Conversion {
  return conversionFor(client, provider, testOptions());
}

export function path(...parts: string[]): string {
  return join(GOLDEN, ...parts);
}

export function readJson<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export function readBytes(file: string): Buffer {
  return readFileSync(file);
}

export function exists(file: string): boolean {
  return existsSync(file);
}

/** Input fixtures of a folder: `<case><ext>` with no further dot in the case name. */
export function cases(dir: string, ext: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext) && !f.slice(0, -ext.length).includes('.'))
    .map((f) => f.slice(0, -ext.length))
    .sort();
}

// ---- stream replay -----------------------------------------------------------------------

export interface StreamRun {
  output: Buffer;
  usage: Usage | null;
  model: string | null;
  modelCalls: number;
  firstTokenCalls: number;
}

export function runStream(conv: Conversion, chunks: Uint8Array[], includeUsage: boolean): StreamRun {
  const run: StreamRun = { output: Buffer.alloc(0), usage: null, model: null, modelCalls: 0, firstTokenCalls: 0 };
  const t = conv.stream({
    includeUsage,
    onUsage: (u) => {
      run.usage = u;
    },
    onModel: (m) => {
      run.model = m;
      run.modelCalls++;
    },
    onFirstToken: () => {
      run.firstTokenCalls++;
    },
  });
  const out: Buffer[] = [];
  for (const c of chunks) out.push(Buffer.from(t.push(c)));
  out.push(Buffer.from(t.end()));
  run.output = Buffer.concat(out);
  return run;
}

/** The stream cut at the given byte offsets. */
export function splitAt(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    chunks.push(bytes.slice(prev, p));
    prev = p;
  }
  chunks.push(bytes.slice(prev));
  return chunks;
}

/** mulberry32: a tiny seeded PRNG so random chunkings are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random cut points (chunks of 1..maxChunk bytes) for one seed. */
export function randomPoints(length: number, seed: number, maxChunk = 48): number[] {
  const rnd = prng(seed);
  const points: number[] = [];
  let at = 0;
  for (;;) {
    at += 1 + Math.floor(rnd() * maxChunk);
    if (at >= length) return points;
    points.push(at);
  }
}

// ---- strict client-SSE readers -------------------------------------------------------------

/** The frames of client SSE output, which must end with a blank line. */
function framesOf(bytes: Buffer): string[] {
  const text = bytes.toString('utf8');
  if (text === '') return [];
  if (!text.endsWith('\n\n')) throw new Error(`output does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);
  return text.slice(0, -2).split('\n\n');
}

/** OpenAI framing: every frame exactly `data: <one line>\n\n`. Returns parsed JSON or "[DONE]". */
export function readOpenAiSse(bytes: Buffer): unknown[] {
  return framesOf(bytes).map((frame) => {
    if (!frame.startsWith('data: ') || frame.includes('\n')) throw new Error(`bad OpenAI frame: ${JSON.stringify(frame)}`);
    const data = frame.slice(6);
    return data === '[DONE]' ? data : JSON.parse(data);
  });
}

export interface AnthropicEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Anthropic framing: every frame exactly `event: <type>\ndata: <json>\n\n`, type matching. */
export function readAnthropicSse(bytes: Buffer): AnthropicEvent[] {
  return framesOf(bytes).map((frame) => {
    const m = /^event: ([a-z_]+)\ndata: ([^\n]*)$/.exec(frame);
    if (!m) throw new Error(`bad Anthropic frame: ${JSON.stringify(frame)}`);
    const data = JSON.parse(m[2]!) as Record<string, unknown>;
    if (data.type !== m[1]) throw new Error(`event ${m[1]} carries data of type ${String(data.type)}`);
    return { event: m[1]!, data };
  });
}

export function readClientSse(format: ApiFormat, bytes: Buffer): unknown[] {
  return format === 'completions' ? readOpenAiSse(bytes) : readAnthropicSse(bytes);
}

/**
 * A provider fixture's frames, read leniently: only complete frames (a truncated fixture may
 * end inside one), Anthropic JSON re-serialised compactly (the docs' examples use spaces).
 */
export function upstreamFrames(provider: ApiFormat, input: Buffer): unknown[] {
  const text = input.toString('utf8');
  const complete = text.slice(0, text.lastIndexOf('\n\n') + 2);
  if (provider === 'completions') return readOpenAiSse(Buffer.from(complete));
  const compact = complete.replace(/^data: (.*)$/gm, (_m, json: string) => `data: ${JSON.stringify(JSON.parse(json))}`);
  return readAnthropicSse(Buffer.from(compact));
}
