// Golden streams: raw provider SSE (streams/<provider>/<case>.sse) through the translating
// conversion and through the same-format pass-through, compared with the reviewed expected
// client output, then replayed split at every byte boundary and at seeded random boundaries,
// which must give byte-identical output.
//
//   <case>.<client>.json           expected client events (translation, client asked for usage)
//   <case>.<client>.no-usage.json  the same when the client did not ask for usage (optional)
//   <case>.<provider>.sse          expected pass-through bytes (default: the input unchanged)
//   <case>.<provider>.no-usage.sse pass-through when the client did not ask for usage
//   <case>.observed.json           usage, model and first-token the pipeline must be told
import { describe, expect, it } from 'vitest';
import type { ApiFormat } from '../../src/llm/convert/index.js';
import { assembleChunks, assembleMessages } from './accumulate.js';
import {
  cases,
  conversion,
  exists,
  FORMATS,
  other,
  path,
  randomPoints,
  readBytes,
  readClientSse,
  readJson,
  runStream,
  splitAt,
  type StreamRun,
  upstreamFrames,
} from './harness.js';

interface Observed {
  model: string;
  usage: Record<string, number> | null;
  firstToken: boolean;
}

const RANDOM_SEEDS = 30;

function replayEverywhere(provider: ApiFormat, client: ApiFormat, input: Buffer, includeUsage: boolean): void {
  const whole = runStream(conversion(client, provider), [input], includeUsage).output;
  for (let i = 1; i < input.length; i++) {
    const out = runStream(conversion(client, provider), splitAt(input, [i]), includeUsage).output;
    if (!out.equals(whole)) {
      expect.fail(`split at byte ${i} changed the output:\n${out.toString()}\n--- whole ---\n${whole.toString()}`);
    }
  }
  for (let seed = 1; seed <= RANDOM_SEEDS; seed++) {
    const out = runStream(conversion(client, provider), splitAt(input, randomPoints(input.length, seed)), includeUsage).output;
    if (!out.equals(whole)) expect.fail(`random chunking (seed ${seed}) changed the output`);
  }
  // one byte at a time, the hardest case for a framer
  const bytewise = runStream(conversion(client, provider), splitAt(input, [...Array(input.length).keys()].slice(1)), includeUsage);
  expect(bytewise.output.equals(whole)).toBe(true);
}

function checkObserved(run: StreamRun, observed: Observed): void {
  expect(run.usage).toEqual(observed.usage);
  expect(run.model).toBe(observed.model);
  expect(run.modelCalls).toBe(1);
  expect(run.firstTokenCalls).toBe(observed.firstToken ? 1 : 0);
}

/** Tool arguments the client accumulates equal what the upstream emitted, call by call. */
function checkToolArguments(provider: ApiFormat, input: Buffer, clientEvents: unknown[]): void {
  if (provider === 'messages') {
    const upstream = assembleMessages(upstreamFrames(provider, input) as never).blocks.filter((b) => b.type === 'tool_use');
    const client = assembleChunks(clientEvents).tools;
    expect(client.map((t) => [t.id, t.name])).toEqual(upstream.map((b) => [b.id, b.name]));
    client.forEach((t, k) => {
      const sent = upstream[k]!.json;
      expect(t.arguments).toBe(sent === '' ? '{}' : sent);
      if (upstream.length > 0 && assembleChunks(clientEvents).complete) expect(() => JSON.parse(t.arguments)).not.toThrow();
    });
  } else {
    const upstream = assembleChunks(upstreamFrames(provider, input)).tools;
    const client = assembleMessages(clientEvents as never).blocks.filter((b) => b.type === 'tool_use');
    expect(client.map((b) => [b.id, b.name, b.json])).toEqual(upstream.map((t) => [t.id, t.name, t.arguments]));
  }
}

for (const provider of FORMATS) {
  const dir = path('streams', provider);
  const client = other(provider);
  for (const name of cases(dir, '.sse')) {
    const input = readBytes(`${dir}/${name}.sse`);
    const observed = readJson<Observed>(`${dir}/${name}.observed.json`);

    describe(`stream ${provider}/${name} -> ${client} client`, () => {
      for (const [suffix, includeUsage] of [
        ['', true],
        ['.no-usage', false],
      ] as const) {
        const expectedFile = `${dir}/${name}.${client}${suffix}.json`;
        if (suffix !== '' && !exists(expectedFile)) continue;
        it(`matches ${name}.${client}${suffix}.json`, () => {
          const run = runStream(conversion(client, provider), [input], includeUsage);
          const events = readClientSse(client, run.output);
          expect(events).toEqual(readJson(expectedFile));
          checkObserved(run, observed);
          checkToolArguments(provider, input, events);
        });
        it(`gives identical bytes for any chunking${suffix}`, () => replayEverywhere(provider, client, input, includeUsage));
      }
    });

    describe(`stream ${provider}/${name} -> ${provider} client (pass-through)`, () => {
      const variants =
        provider === 'completions'
          ? ([
              ['', true],
              ['.no-usage', false],
            ] as const)
          : ([['', false]] as const);
      for (const [suffix, includeUsage] of variants) {
        const expectedFile = `${dir}/${name}.${provider}${suffix}.sse`;
        it(`matches ${exists(expectedFile) ? `${name}.${provider}${suffix}.sse` : 'the input bytes'}`, () => {
          const run = runStream(conversion(provider, provider), [input], includeUsage);
          const expected = exists(expectedFile) ? readBytes(expectedFile) : input;
          expect(run.output.toString('utf8')).toBe(expected.toString('utf8'));
          checkObserved(run, observed);
        });
        it(`gives identical bytes for any chunking${suffix}`, () => replayEverywhere(provider, provider, input, includeUsage));
      }
    });
  }
}
