// Golden Bedrock Converse translation, both client formats (see README.md, "Bedrock"):
//
//   converse/requests/<client>/<case>.json            what a client sends (model = a Bedrock model id)
//   converse/requests/<client>/<case>.converse.json   the Converse body the gateway must send
//   converse/requests/<client>/<case>.error.json      or the 400 it must answer {status, type, param}
//   converse/responses/<case>.json                     a Converse answer; .completions.json /
//                                                      .messages.json what each client gets; .usage.json
//   converse/streams/<case>.events.json               the ConverseStream messages as Bedrock documents them
//                                                      ({headers, payload}), encoded to event-stream binary
//                                                      with @smithy/eventstream-codec; .completions.json,
//                                                      .completions.no-usage.json, .messages.json the client
//                                                      events; .observed.json what the pipeline is told
//   converse/errors/<case>.<status>.json               a Bedrock error body; .<client>.json {status, body}
//
// Every stream is replayed whole, split at every byte, at 30 seeded random chunkings and one byte
// at a time, and must give identical bytes.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ApiFormat, Conversion } from '../../src/llm/convert/index.js';
import { GatewayError } from '../../src/errors.js';
import { encodeEvent } from '../../src/llm/stream/eventstream.js';
import type { Usage } from '../../src/llm/usage.js';
import { assembleChunks, assembleMessages } from './accumulate.js';
import { cases, exists, path, randomPoints, readBytes, readClientSse, readJson, runStream, splitAt } from './harness.js';
import { conversionFor } from '../../src/llm/convert/index.js';
import { testOptions } from './harness.js';

const CLIENTS: ApiFormat[] = ['completions', 'messages'];
const dir = (...p: string[]) => path('converse', ...p);

function converse(client: ApiFormat, model: string): Conversion {
  const c = conversionFor(client, 'converse', testOptions());
  c.request(
    client === 'messages'
      ? { model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }
      : { model, messages: [{ role: 'user', content: 'hi' }] },
  );
  return c;
}

interface ExpectedError {
  status: number;
  type: string;
  param: string;
}

describe('Converse requests', () => {
  for (const client of CLIENTS) {
    const d = dir('requests', client);
    for (const name of cases(d, '.json')) {
      const input = readJson<Record<string, unknown>>(`${d}/${name}.json`);
      if (exists(`${d}/${name}.converse.json`)) {
        it(`${client}/${name} matches ${name}.converse.json`, () => {
          const before = JSON.stringify(input);
          expect(conversionFor(client, 'converse', testOptions()).request(input)).toEqual(readJson(`${d}/${name}.converse.json`));
          expect(JSON.stringify(input)).toBe(before);
        });
      } else {
        it(`${client}/${name} is refused as ${name}.error.json says`, () => {
          const want = readJson<ExpectedError>(`${d}/${name}.error.json`);
          let thrown: unknown;
          try {
            conversionFor(client, 'converse', testOptions()).request(input);
          } catch (e) {
            thrown = e;
          }
          expect(thrown).toBeInstanceOf(GatewayError);
          const e = thrown as GatewayError;
          expect({ status: e.status, type: e.typeFor('openai'), param: e.param }).toEqual(want);
        });
      }
    }
  }
});

describe('Converse responses', () => {
  const d = dir('responses');
  for (const name of cases(d, '.json')) {
    const body = readJson<Record<string, unknown>>(`${d}/${name}.json`);
    const usage = readJson<Usage>(`${d}/${name}.usage.json`);
    for (const client of CLIENTS) {
      it(`${name} -> ${client} client matches ${name}.${client}.json`, () => {
        const seen: Usage[] = [];
        const out = converse(client, 'us.anthropic.claude-sonnet-4-5-20250929-v1:0').response(body, (u) => seen.push(u));
        expect(out).toEqual(readJson(`${d}/${name}.${client}.json`));
        expect(seen).toEqual([usage]);
      });
    }
  }
});

interface StreamEvent {
  headers: Record<string, string>;
  payload: unknown;
}

/** The fixture's events in Bedrock's binary framing (a `truncate` marker cuts the bytes there). */
function encodeStream(events: (StreamEvent | { truncate: number })[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of events) {
    if ('truncate' in e) {
      const last = parts.pop()!;
      parts.push(last.subarray(0, e.truncate));
    } else parts.push(Buffer.from(encodeEvent(e.headers, e.payload)));
  }
  return Buffer.concat(parts);
}

interface Observed {
  model: string;
  usage: Usage | null;
  firstToken: boolean;
}

describe('Converse streams', () => {
  const d = dir('streams');
  for (const name of cases(d, '.events.json').map((n) => n)) {
    const input = encodeStream(readJson(`${d}/${name}.events.json`));
    const observed = readJson<Observed>(`${d}/${name}.observed.json`);
    for (const client of CLIENTS) {
      for (const [suffix, includeUsage] of [
        ['', true],
        ['.no-usage', false],
      ] as const) {
        const expectedFile = `${d}/${name}.${client}${suffix}.json`;
        if (!exists(expectedFile)) continue;
        const conv = () => converse(client, observed.model);
        it(`${name} -> ${client} client matches ${name}.${client}${suffix}.json`, () => {
          const run = runStream(conv(), [input], includeUsage);
          const events = readClientSse(client, run.output);
          expect(events).toEqual(readJson(expectedFile));
          expect(run.usage).toEqual(observed.usage);
          expect(run.model).toBe(observed.model);
          expect(run.firstTokenCalls).toBe(observed.firstToken ? 1 : 0);
          const tools =
            client === 'completions'
              ? assembleChunks(events).tools.map((t) => JSON.parse(t.arguments) as unknown)
              : assembleMessages(events as never)
                  .blocks.filter((b) => b.type === 'tool_use')
                  .map((b) => (b.json === '' ? {} : (JSON.parse(b.json) as unknown)));
          for (const args of tools) expect(typeof args).toBe('object');
        });
        it(`${name} -> ${client}${suffix}: identical bytes for any chunking`, () => {
          const whole = runStream(conv(), [input], includeUsage).output;
          for (let i = 1; i < input.length; i++) {
            const out = runStream(conv(), splitAt(input, [i]), includeUsage).output;
            if (!out.equals(whole))
              expect.fail(`split at byte ${i} changed the output:\n${out.toString()}\n--- whole ---\n${whole.toString()}`);
          }
          for (let seed = 1; seed <= 30; seed++) {
            const out = runStream(conv(), splitAt(input, randomPoints(input.length, seed)), includeUsage).output;
            if (!out.equals(whole)) expect.fail(`random chunking (seed ${seed}) changed the output`);
          }
          const bytewise = runStream(conv(), splitAt(input, [...Array(input.length).keys()].slice(1)), includeUsage).output;
          expect(bytewise.equals(whole)).toBe(true);
        });
      }
    }
  }
});

describe('Converse errors', () => {
  const d = dir('errors');
  const inputs = readdirSync(d).filter((f) => /^[a-z-]+\.\d{3}\.(json|txt)$/.test(f));
  it('has fixtures', () => expect(inputs.length).toBeGreaterThan(4));
  for (const file of inputs) {
    const [name, statusText] = file.split('.') as [string, string];
    const status = Number(statusText);
    for (const client of CLIENTS) {
      it(`${name} (${status}) -> ${client} client`, () => {
        const got = converse(client, 'amazon.nova-pro-v1:0').error(status, readBytes(`${d}/${file}`));
        expect(got).toEqual(readJson(`${d}/${name}.${status}.${client}.json`));
      });
    }
  }
});
