// Golden requests: requests/<client>/<case>.json is what a client sends; <case>.<provider>.json
// is the reviewed provider request the gateway must send, or <case>.<provider>.error.json the
// 400 it must answer (status, type and the field it names). <case>.<client>.json, when present,
// is what a provider of the client's own format must get (default: the body unchanged).
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { cases, conversion, exists, FORMATS, other, path, readJson } from './harness.js';

interface ExpectedError {
  status: number;
  type: string;
  param: string;
}

for (const client of FORMATS) {
  const provider = other(client);
  const dir = path('requests', client);
  describe(`requests from ${client} clients to ${provider} providers`, () => {
    for (const name of cases(dir, '.json')) {
      const input = readJson<Record<string, unknown>>(`${dir}/${name}.json`);
      const expectedFile = `${dir}/${name}.${provider}.json`;
      const errorFile = `${dir}/${name}.${provider}.error.json`;
      if (exists(expectedFile)) {
        it(`${name} matches ${name}.${provider}.json`, () => {
          const before = JSON.stringify(input);
          expect(conversion(client, provider).request(input)).toEqual(readJson(expectedFile));
          expect(JSON.stringify(input)).toBe(before); // the client body is not mutated
        });
      } else {
        it(`${name} is refused as ${name}.${provider}.error.json says`, () => {
          const want = readJson<ExpectedError>(errorFile);
          let thrown: unknown;
          try {
            conversion(client, provider).request(input);
          } catch (err) {
            thrown = err;
          }
          expect(thrown).toBeInstanceOf(GatewayError);
          const e = thrown as GatewayError;
          expect(e.kind).toBe('invalid_field');
          expect({ status: e.status, type: e.typeFor('openai'), param: e.param }).toEqual(want);
          expect(e.message).toContain(want.param);
        });
      }
      const sameFormatFile = `${dir}/${name}.${client}.json`;
      if (exists(sameFormatFile)) {
        it(`${name} matches ${name}.${client}.json for a ${client} provider`, () => {
          const before = JSON.stringify(input);
          expect(conversion(client, client).request(input)).toEqual(readJson(sameFormatFile));
          expect(JSON.stringify(input)).toBe(before);
        });
        continue;
      }
      it(`${name} passes through unchanged to a ${client} provider`, () => {
        const out = conversion(client, client).request(input);
        const streamingCompletions = client === 'completions' && input.stream === true;
        if (!streamingCompletions) expect(out).toBe(input);
        else expect(out).toEqual({ ...input, stream_options: { ...(input.stream_options as object), include_usage: true } });
      });
    }
  });
}
