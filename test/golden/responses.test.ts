// Golden responses: responses/<provider>/<case>.json is a provider's non-streaming body;
// <case>.<client>.json the reviewed body the client gets; <case>.usage.json the usage the
// pipeline must be told (same for the translated and the pass-through path).
import { describe, expect, it } from 'vitest';
import type { Usage } from '../../src/llm/usage.js';
import { cases, conversion, FORMATS, other, path, readJson } from './harness.js';

for (const provider of FORMATS) {
  const client = other(provider);
  const dir = path('responses', provider);
  describe(`responses from ${provider} providers`, () => {
    for (const name of cases(dir, '.json')) {
      const body = readJson<Record<string, unknown>>(`${dir}/${name}.json`);
      const usage = readJson<Usage>(`${dir}/${name}.usage.json`);

      it(`${name} -> ${client} client matches ${name}.${client}.json`, () => {
        const seen: Usage[] = [];
        const out = conversion(client, provider).response(body, (u) => seen.push(u));
        expect(out).toEqual(readJson(`${dir}/${name}.${client}.json`));
        expect(seen).toEqual([usage]);
      });

      it(`${name} -> ${provider} client passes through with the same usage`, () => {
        const seen: Usage[] = [];
        const out = conversion(provider, provider).response(body, (u) => seen.push(u));
        expect(out).toBe(body);
        expect(seen).toEqual([usage]);
      });
    }
  });
}
