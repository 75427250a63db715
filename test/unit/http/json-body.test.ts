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

describe('nestedDeeperThan, bounded recursion without allocations', () => {
  const obj = (n: number): unknown => (n === 0 ? 1 : { a: [obj(n - 1)] });
  it('counts objects and arrays alike, scalars not at all', () => {
    // obj(n) nests 2n levels
    expect(nestedDeeperThan(obj(5), 10)).toBe(false);
    expect(nestedDeeperThan(obj(5), 9)).toBe(true);
    expect(nestedDeeperThan({ a: 1, b: 'x', c: null }, 1)).toBe(false);
    expect(nestedDeeperThan({ a: {} }, 1)).toBe(true);
    expect(nestedDeeperThan([[], [[]]], 2)).toBe(true);
    expect(nestedDeeperThan([[], [[]]], 3)).toBe(false);
    expect(nestedDeeperThan(7, 0)).toBe(false);
    expect(nestedDeeperThan({}, 0)).toBe(true);
  });

  it('finds the deep member wherever it is, a __proto__ key included', () => {
    expect(nestedDeeperThan({ x: 1, y: [1, 2, { z: [[]] }] }, 4)).toBe(true);
    expect(nestedDeeperThan(JSON.parse('{"__proto__":[[[]]]}'), 3)).toBe(true);
    expect(nestedDeeperThan(JSON.parse('{"__proto__":[[[]]]}'), 4)).toBe(false);
  });

  it('refuses a deep body however short its other content (and never overflows the stack)', () => {
    expect(nestedDeeperThan(JSON.parse(nested(30_000)), MAX_JSON_DEPTH)).toBe(true);
    expect(() => parseJsonBody(`{"a":${nested(MAX_JSON_DEPTH)}}`)).toThrow(/deeper than 128 levels/);
    expect(() => parseJsonBody(`[${nested(MAX_JSON_DEPTH - 1)}]`)).not.toThrow();
  });
});
