// Golden errors: errors/<provider>/<case>.<status>.json|txt is an error body exactly as the
// provider (or a proxy in front of it) sends it; <case>.<status>.<client>.json is the status
// and body the client must get. A pass-through of a well-formed error keeps it as it is.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { conversion, exists, FORMATS, other, path, readBytes, readJson } from './harness.js';

interface ExpectedError {
  status: number;
  body: unknown;
}

for (const provider of FORMATS) {
  const dir = path('errors', provider);
  const inputs = readdirSync(dir).filter((f) => /^[a-z-]+\.\d{3}\.(json|txt)$/.test(f));
  describe(`errors from ${provider} providers`, () => {
    it('has fixtures', () => expect(inputs.length).toBeGreaterThan(4));
    for (const file of inputs) {
      const [name, statusText] = file.split('.') as [string, string];
      const status = Number(statusText);
      const raw = readBytes(`${dir}/${file}`);
      for (const client of [other(provider), provider]) {
        const expectedFile = `${dir}/${name}.${status}.${client}.json`;
        const label = `${name} (${status}) -> ${client} client`;
        if (exists(expectedFile)) {
          it(`${label} matches ${name}.${status}.${client}.json`, () => {
            expect(conversion(client, provider).error(status, raw)).toEqual(readJson<ExpectedError>(expectedFile));
          });
        } else {
          it(`${label} is passed on as the provider wrote it`, () => {
            expect(client).toBe(provider); // every translated case has an expected file
            expect(conversion(client, provider).error(status, raw)).toEqual({ status, body: JSON.parse(raw.toString('utf8')) });
          });
        }
      }
    }
  });
}
