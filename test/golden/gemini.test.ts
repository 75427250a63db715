// Golden Gemini translation: the same fixture layout as the other golden tests (README.md), for
// the provider format `gemini` (generateContent), which both client formats reach and native
// Gemini clients pass through:
//
//   requests/<client>/<case>.gemini.json|.gemini.error.json   client request -> Gemini request (or 400)
//   responses/gemini/<case>.json -> <case>.completions.json, <case>.messages.json, <case>.usage.json
//   streams/gemini/<case>.sse (Google's alt=sse framing, CRLF) -> <case>.completions[.no-usage].json,
//     <case>.messages.json, <case>.observed.json; pass-through bytes <case>.gemini.sse (default:
//     the input unchanged); every stream also replayed split at every byte, at random and byte by byte
//   errors/gemini/<case>.<status>.json|txt -> <case>.<status>.<client>.json (gemini: default unchanged)
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ApiFormat } from '../../src/llm/convert/index.js';
import { GatewayError } from '../../src/errors.js';
import type { Usage } from '../../src/llm/usage.js';
import {
  cases,
  conversion,
  exists,
  path,
  randomPoints,
  readBytes,
  readClientSse,
  readJson,
  runStream,
  splitAt,
  type StreamRun,
} from './harness.js';

const CLIENTS: ApiFormat[] = ['completions', 'messages'];

describe('requests to gemini providers', () => {
  for (const client of CLIENTS) {
    const dir = path('requests', client);
    for (const name of cases(dir, '.json')) {
      const expected = `${dir}/${name}.gemini.json`;
      const refused = `${dir}/${name}.gemini.error.json`;
      if (!exists(expected) && !exists(refused)) continue;
      const input = readJson<Record<string, unknown>>(`${dir}/${name}.json`);
      it(`${client}/${name} -> ${exists(expected) ? `${name}.gemini.json` : 'a 400'}`, () => {
        const before = JSON.stringify(input);
        if (exists(expected)) {
          expect(conversion(client, 'gemini').request(input)).toEqual(readJson(expected));
        } else {
          const want = readJson<{ status: number; type: string; param: string }>(refused);
          let thrown: unknown;
          try {
            conversion(client, 'gemini').request(input);
          } catch (e) {
            thrown = e;
          }
          expect(thrown).toBeInstanceOf(GatewayError);
          const e = thrown as GatewayError;
          expect({ status: e.status, type: e.typeFor('openai'), param: e.param }).toEqual(want);
        }
        expect(JSON.stringify(input)).toBe(before); // the client body is not mutated
      });
    }
  }

  it('a native Gemini request passes through, without the model the pipeline set', () => {
    const body = { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }], generationConfig: { temperature: 0.3 } };
    expect(conversion('gemini', 'gemini').request({ ...body, model: 'gemini-2.5-flash' })).toEqual(body);
  });

  it('a native Gemini client cannot reach a provider of another format', () => {
    expect(() => conversion('gemini', 'messages')).toThrow(GatewayError);
  });
});

describe('responses from gemini providers', () => {
  const dir = path('responses', 'gemini');
  for (const name of cases(dir, '.json')) {
    const body = readJson<Record<string, unknown>>(`${dir}/${name}.json`);
    const usage = readJson<Usage>(`${dir}/${name}.usage.json`);
    for (const client of CLIENTS) {
      it(`${name} -> ${client} client matches ${name}.${client}.json`, () => {
        const seen: Usage[] = [];
        expect(conversion(client, 'gemini').response(body, (u) => seen.push(u))).toEqual(readJson(`${dir}/${name}.${client}.json`));
        expect(seen).toEqual([usage]);
      });
    }
    it(`${name} -> gemini client passes through with the same usage`, () => {
      const seen: Usage[] = [];
      expect(conversion('gemini', 'gemini').response(body, (u) => seen.push(u))).toBe(body);
      expect(seen).toEqual([usage]);
    });
  }
});

interface Observed {
  model: string;
  usage: Record<string, number> | null;
  firstToken: boolean;
}

function replayEverywhere(client: ApiFormat, input: Buffer, includeUsage: boolean): void {
  const whole = runStream(conversion(client, 'gemini'), [input], includeUsage).output;
  for (let i = 1; i < input.length; i++) {
    const out = runStream(conversion(client, 'gemini'), splitAt(input, [i]), includeUsage).output;
    if (!out.equals(whole)) expect.fail(`split at byte ${i} changed the output:\n${out.toString()}\n--- whole ---\n${whole.toString()}`);
  }
  for (let seed = 1; seed <= 30; seed++) {
    const out = runStream(conversion(client, 'gemini'), splitAt(input, randomPoints(input.length, seed)), includeUsage).output;
    if (!out.equals(whole)) expect.fail(`random chunking (seed ${seed}) changed the output`);
  }
  const bytewise = runStream(conversion(client, 'gemini'), splitAt(input, [...Array(input.length).keys()].slice(1)), includeUsage);
  expect(bytewise.output.equals(whole)).toBe(true);
}

function checkObserved(run: StreamRun, observed: Observed): void {
  expect(run.usage).toEqual(observed.usage);
  expect(run.model).toBe(observed.model);
  expect(run.modelCalls).toBe(1);
  expect(run.firstTokenCalls).toBe(observed.firstToken ? 1 : 0);
}

describe('streams from gemini providers', () => {
  const dir = path('streams', 'gemini');
  for (const name of cases(dir, '.sse')) {
    const input = readBytes(`${dir}/${name}.sse`);
    const observed = readJson<Observed>(`${dir}/${name}.observed.json`);
    it(`${name}.sse uses Google's framing (data: <json> CRLF CRLF)`, () => {
      expect(input.toString('utf8')).toMatch(/^(data: [^\r\n]+\r\n\r\n)+$/);
    });
    for (const client of CLIENTS) {
      for (const [suffix, includeUsage] of [
        ['', true],
        ['.no-usage', false],
      ] as const) {
        const expectedFile = `${dir}/${name}.${client}${suffix}.json`;
        if (!exists(expectedFile)) continue;
        it(`${name} -> ${client} client matches ${name}.${client}${suffix}.json`, () => {
          const run = runStream(conversion(client, 'gemini'), [input], includeUsage);
          expect(readClientSse(client, run.output)).toEqual(readJson(expectedFile));
          checkObserved(run, observed);
        });
        it(`${name} -> ${client} client: identical bytes for any chunking${suffix}`, () => replayEverywhere(client, input, includeUsage));
      }
    }
    const passFile = `${dir}/${name}.gemini.sse`;
    it(`${name} -> gemini client passes through (${exists(passFile) ? `${name}.gemini.sse` : 'the input bytes'}), any chunking`, () => {
      const expected = exists(passFile) ? readBytes(passFile) : input;
      const run = runStream(conversion('gemini', 'gemini'), [input], false);
      expect(run.output.toString('utf8')).toBe(expected.toString('utf8'));
      checkObserved(run, observed);
      for (let i = 1; i < input.length; i++) {
        const out = runStream(conversion('gemini', 'gemini'), splitAt(input, [i]), false).output;
        if (!out.equals(run.output)) expect.fail(`split at byte ${i} changed the pass-through`);
      }
    });
  }
});

describe('errors from gemini providers', () => {
  const dir = path('errors', 'gemini');
  const inputs = readdirSync(dir).filter((f) => /^[a-z-]+\.\d{3}\.(json|txt)$/.test(f));
  it('has fixtures', () => expect(inputs.length).toBeGreaterThan(6));
  for (const file of inputs) {
    const [name, statusText] = file.split('.') as [string, string];
    const status = Number(statusText);
    const raw = readBytes(`${dir}/${file}`);
    for (const client of [...CLIENTS, 'gemini'] as ApiFormat[]) {
      const expectedFile = `${dir}/${name}.${status}.${client}.json`;
      if (exists(expectedFile)) {
        it(`${name} (${status}) -> ${client} client matches ${name}.${status}.${client}.json`, () => {
          expect(conversion(client, 'gemini').error(status, raw)).toEqual(readJson(expectedFile));
        });
      } else {
        it(`${name} (${status}) -> ${client} client gets Google's error as it was`, () => {
          expect(client).toBe('gemini'); // every translated case has an expected file
          expect(conversion(client, 'gemini').error(status, raw)).toEqual({ status, body: JSON.parse(raw.toString('utf8')) });
        });
      }
    }
  }
});
