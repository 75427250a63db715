// compileHeaderRules: configured headers are validated once, at config load, and secrets
// never leak through errors or dumps. Implementation-independent.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compileHeaderRules, HeaderRuleError, REQUEST_DROP_DEFAULT } from '../../src/native/index.js';

describe('compileHeaderRules', () => {
  it('rejects configured values that would inject headers, naming the field but not the value', () => {
    for (const value of ['a\r\nx-evil: 1', 'a\nb', 'a\rb', 'a\0b']) {
      const err = (() => {
        try {
          compileHeaderRules({ direction: 'request', set: { 'x-a': value } });
        } catch (e) {
          return e as HeaderRuleError;
        }
        throw new Error('expected a HeaderRuleError');
      })();
      expect(err).toBeInstanceOf(HeaderRuleError);
      expect(err.path).toBe('set.x-a');
      expect(err.message).not.toContain(value);
    }
    expect(() =>
      compileHeaderRules({ direction: 'request', credential: { name: 'authorization', value: 'Bearer sk-secret\r\n' } }),
    ).toThrow(/^credential\.value: contains a control character/);
  });

  it('rejects invalid names, duplicate names and gateway-managed names', () => {
    expect(() => compileHeaderRules({ direction: 'request', add: { 'x a': '1' } })).toThrow(/add\.x a: "x a" is not a valid header name/);
    expect(() => compileHeaderRules({ direction: 'request', remove: ['x:y'] })).toThrow(/remove\[0\]/);
    expect(() => compileHeaderRules({ direction: 'request', set: { 'X-A': '1', 'x-a': '2' } })).toThrow(/appears twice/);
    for (const name of REQUEST_DROP_DEFAULT) {
      expect(() => compileHeaderRules({ direction: 'request', set: { [name]: 'x' } })).toThrow(/managed by the gateway/);
    }
    expect(() => compileHeaderRules({ direction: 'request', drop: [], set: { host: 'upstream.example' } })).not.toThrow();
  });

  it('keeps credentials out of JSON and inspect output', () => {
    const rules = compileHeaderRules({
      direction: 'request',
      credential: { name: 'x-api-key', value: 'sk-ant-very-secret' },
      set: { authorization: 'Bearer also-secret', 'x-team': 'core' },
    });
    for (const dump of [JSON.stringify(rules), inspect(rules, { depth: 5 })]) {
      expect(dump).not.toContain('very-secret');
      expect(dump).not.toContain('also-secret');
      expect(dump).toContain('core');
    }
  });

  it('compiles to a frozen program', () => {
    const rules = compileHeaderRules({ direction: 'response', add: { 'x-gw': '1' } });
    expect(Object.isFrozen(rules)).toBe(true);
    expect(rules.append).toEqual(['x-gw', '1']);
    expect(rules.drop.has('transfer-encoding')).toBe(true);
  });
});
