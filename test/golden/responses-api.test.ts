// Golden streams for OpenAI Responses clients (/v1/responses):
//
//   streams/responses/<case>.sse              a Responses stream as OpenAI sends it (its documented
//                                             events), passed through byte for byte
//   streams/responses/<case>.responses.sse    expected pass-through bytes (default: the input)
//   streams/responses/<case>.observed.json    usage, model and first token the pipeline is told
//   streams/<completions|messages>/<case>.responses.json
//                                             the Responses events a client gets when the provider
//                                             speaks Chat Completions or Anthropic Messages
//
// Expected events are written by hand. Response objects inside them list only id, created_at,
// status, model, output, usage, incomplete_details and error; the echoed request fields are
// checked once against the API's defaults (these streams have no request to echo). Every stream
// also runs split at every byte, at 30 seeded random chunkings and byte by byte.
import { describe, expect, it } from 'vitest';
import type { ApiFormat } from '../../src/llm/convert/index.js';
import { cases, conversion, exists, path, randomPoints, readBytes, readJson, runStream, splitAt, type StreamRun } from './harness.js';

interface Observed {
  model: string;
  usage: Record<string, number> | null;
  firstToken: boolean;
}

const RESPONSE_KEYS = ['id', 'created_at', 'status', 'model', 'output', 'usage', 'incomplete_details', 'error'];
const ECHO_DEFAULTS = {
  object: 'response',
  instructions: null,
  max_output_tokens: null,
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: { effort: null, summary: null },
  store: false,
  temperature: 1,
  text: { format: { type: 'text' } },
  tool_choice: 'auto',
  tools: [],
  top_p: 1,
  truncation: 'disabled',
  user: null,
  metadata: {},
};

/** Responses framing: every frame exactly `event: <type>\ndata: <json>\n\n`, the type matching. */
function readResponsesSse(bytes: Buffer): Record<string, unknown>[] {
  const text = bytes.toString('utf8');
  if (text === '') return [];
  if (!text.endsWith('\n\n')) throw new Error(`output does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((frame) => {
      const m = /^event: ([a-z_.]+)\ndata: ([^\n]*)$/.exec(frame);
      if (!m) throw new Error(`bad Responses frame: ${JSON.stringify(frame)}`);
      const data = JSON.parse(m[2]!) as Record<string, unknown>;
      if (data.type !== m[1]) throw new Error(`event ${m[1]} carries data of type ${String(data.type)}`);
      if (typeof data.response === 'object' && data.response !== null) data.response = compact(data.response as Record<string, unknown>);
      return data;
    });
}

function compact(r: Record<string, unknown>): Record<string, unknown> {
  const echo = Object.fromEntries(Object.entries(r).filter(([k]) => !RESPONSE_KEYS.includes(k)));
  expect(echo).toEqual(ECHO_DEFAULTS);
  return Object.fromEntries(RESPONSE_KEYS.map((k) => [k, r[k]]));
}

function checkObserved(run: StreamRun, observed: Observed): void {
  expect(run.usage).toEqual(observed.usage);
  expect(run.model).toBe(observed.model);
  expect(run.modelCalls).toBe(1);
  expect(run.firstTokenCalls).toBe(observed.firstToken ? 1 : 0);
}

function replayEverywhere(provider: ApiFormat, input: Buffer): void {
  const whole = runStream(conversion('responses', provider), [input], false).output;
  for (let i = 1; i < input.length; i++) {
    const out = runStream(conversion('responses', provider), splitAt(input, [i]), false).output;
    if (!out.equals(whole)) expect.fail(`split at byte ${i} changed the output:\n${out.toString()}\n--- whole ---\n${whole.toString()}`);
  }
  for (let seed = 1; seed <= 30; seed++) {
    const out = runStream(conversion('responses', provider), splitAt(input, randomPoints(input.length, seed)), false).output;
    if (!out.equals(whole)) expect.fail(`random chunking (seed ${seed}) changed the output`);
  }
  const bytewise = runStream(conversion('responses', provider), splitAt(input, [...Array(input.length).keys()].slice(1)), false);
  expect(bytewise.output.equals(whole)).toBe(true);
}

describe('Responses streams passed through (provider speaks Responses)', () => {
  const dir = path('streams', 'responses');
  for (const name of cases(dir, '.sse')) {
    const input = readBytes(`${dir}/${name}.sse`);
    const expectedFile = `${dir}/${name}.responses.sse`;
    it(`${name}: ${exists(expectedFile) ? `${name}.responses.sse` : 'the input bytes'}, usage/model/first token observed`, () => {
      const run = runStream(conversion('responses', 'responses'), [input], false);
      const expected = exists(expectedFile) ? readBytes(expectedFile) : input;
      expect(run.output.toString('utf8')).toBe(expected.toString('utf8'));
      checkObserved(run, readJson<Observed>(`${dir}/${name}.observed.json`));
    });
    it(`${name}: identical bytes for any chunking`, () => replayEverywhere('responses', input));
  }
});

for (const provider of ['completions', 'messages'] as const) {
  describe(`${provider} streams -> Responses client`, () => {
    const dir = path('streams', provider);
    for (const name of cases(dir, '.sse')) {
      const expectedFile = `${dir}/${name}.responses.json`;
      if (!exists(expectedFile)) continue;
      const input = readBytes(`${dir}/${name}.sse`);
      it(`${name}: matches ${name}.responses.json`, () => {
        const run = runStream(conversion('responses', provider), [input], false);
        expect(readResponsesSse(run.output)).toEqual(readJson(expectedFile));
        checkObserved(run, readJson<Observed>(`${dir}/${name}.observed.json`));
      });
      it(`${name}: identical bytes for any chunking`, () => replayEverywhere(provider, input));
    }
  });
}
