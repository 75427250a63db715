// OpenAI strict-mode eligibility of JSON schemas: `strict: true` is only sent for schemas OpenAI
// accepts in strict mode.
import { describe, expect, it } from 'vitest';
import { satisfiesStrictMode } from '../../../src/llm/convert/strict-schema.js';

const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
  ...extra,
});

describe('strict-mode schemas', () => {
  it('accepts closed objects with every property required, nested, in arrays, anyOf and $defs', () => {
    expect(satisfiesStrictMode(obj({ name: { type: 'string' } }))).toBe(true);
    expect(
      satisfiesStrictMode(
        obj(
          {
            tags: { type: 'array', items: obj({ label: { type: 'string', pattern: '^[a-z]+$' } }), maxItems: 5 },
            owner: { anyOf: [{ $ref: '#/$defs/person' }, { type: 'null' }] },
            age: { type: ['integer', 'null'], minimum: 0 },
          },
          { $defs: { person: obj({ name: { type: 'string' } }) } },
        ),
      ),
    ).toBe(true);
  });

  it('rejects optional properties, open objects, unsupported keywords and a non-object root', () => {
    expect(satisfiesStrictMode({ ...obj({ a: { type: 'string' }, b: { type: 'string' } }), required: ['a'] })).toBe(false);
    expect(satisfiesStrictMode({ ...obj({ a: { type: 'string' } }), additionalProperties: true })).toBe(false);
    expect(satisfiesStrictMode({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] })).toBe(false);
    expect(satisfiesStrictMode(obj({ inner: { type: 'object', properties: { x: { type: 'string' } }, required: ['x'] } }))).toBe(false);
    expect(satisfiesStrictMode(obj({ a: { type: 'string', minLength: 1 } }))).toBe(false);
    expect(satisfiesStrictMode(obj({ a: { allOf: [{ type: 'string' }] } }))).toBe(false);
    expect(satisfiesStrictMode({ type: 'object', anyOf: [obj({ a: { type: 'string' } })] })).toBe(false);
    expect(satisfiesStrictMode({ type: 'array', items: { type: 'string' } })).toBe(false);
  });

  it('rejects schemas nested deeper than 10 levels', () => {
    let deep: Record<string, unknown> = obj({ leaf: { type: 'string' } });
    for (let i = 0; i < 6; i++) deep = obj({ next: deep });
    expect(satisfiesStrictMode(deep)).toBe(true);
    for (let i = 0; i < 6; i++) deep = obj({ next: deep });
    expect(satisfiesStrictMode(deep)).toBe(false);
  });
});
