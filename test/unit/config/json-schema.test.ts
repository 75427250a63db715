import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../../src/config/json-schema.js';

describe('configs/schema.json', () => {
  it('is up to date with the zod schemas (run `npm run gen:schema`)', () => {
    const committed = readFileSync(new URL('../../../configs/schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(configJsonSchema());
  });

  it('describes binds, listeners, routes and backends, and rejects unknown keys', () => {
    const s = JSON.parse(configJsonSchema());
    expect(s.additionalProperties).toBe(false);
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['binds', 'config', 'frontendPolicies']));
    const bind = s.properties.binds.items;
    expect(bind.required).toEqual(['port', 'listeners']);
  });
});
