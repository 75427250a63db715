import { describe, expect, it } from 'vitest';
import { JsonBodyError, MAX_JSON_DEPTH, nestedDeeperThan, parseJsonBody } from '../../../src/http/json-body.js';

const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('parseJsonBody', () => {
  it('parses ordinary bodies', () => {
    expect(parseJsonBody('{"model":"m","messages":[{"role":"user","content":"hi"}]}')).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });
  });

  it(`accepts ${MAX_JSON_DEPTH} levels and refuses one more`, () => {
    expect(() => parseJsonBody(nested(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => parseJsonBody(nested(MAX_JSON_DEPTH + 1))).toThrow(/deeper than 128 levels/);
    expect(() => parseJsonBody(`{"a":${nested(30_000)}}`)).toThrow(JsonBodyError);
  });

  it.each(['{"model": Secr3t}', 'Secr3t', '{"a": "Secr3t', '{"a": "Secr3t\u0001"}', '{"Secr3t" 1}', '{"a":1} Secr3t'])(
    'never quotes the body: %j',
    (body) => {
      try {
        parseJsonBody(body);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(JsonBodyError);
        expect((e as JsonBodyError).kind).toBe('syntax');
        expect((e as Error).message).toMatch(/^request body is not valid JSON( \(at position \d+\))?$/);
        expect((e as Error).message).not.toContain('Secr3t');
      }
    },
  );
});

describe('nestedDeeperThan', () => {
  it('counts objects and arrays alike', () => {
    expect(nestedDeeperThan({ a: [{ b: [] }] }, 4)).toBe(false);
    expect(nestedDeeperThan({ a: [{ b: [] }] }, 3)).toBe(true);
    expect(nestedDeeperThan('text', 0)).toBe(false);
  });
});
