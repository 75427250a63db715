// The layer's shape: which conversion serves which pair. Its import rule (src/llm never imports
// server or pipeline) is a row of the boundary table, test/unit/boundaries.test.ts.
import { describe, expect, it } from 'vitest';
import { conversionFor } from '../../../src/llm/convert/index.js';
import type { ApiFormat } from '../../../src/llm/convert/types.js';

describe('conversionFor', () => {
  const formats: ApiFormat[] = ['completions', 'messages'];
  for (const client of formats) {
    for (const provider of formats) {
      it(`${client} client, ${provider} provider`, () => {
        const c = conversionFor(client, provider);
        expect([c.from, c.to]).toEqual([client, provider]);
        expect(conversionFor(client, provider)).toBe(c); // shared, stateless instances
        for (const verb of ['request', 'response', 'error', 'stream'] as const) expect(typeof c[verb]).toBe('function');
      });
    }
  }

  it('gives each stream its own state machine', () => {
    const c = conversionFor('completions', 'messages');
    const opts = { includeUsage: false, onUsage: () => {} };
    expect(c.stream(opts)).not.toBe(c.stream(opts));
  });
});
