import { describe, expect, it } from 'vitest';
import { spliceTopLevelString } from '../../../src/http/json-splice.js';

const splice = (text: string, model: string) => spliceTopLevelString(Buffer.from(text), 'model', model)?.toString() ?? null;

describe('spliceTopLevelString: the model set in the client bytes', () => {
  it('returns the same bytes when the body already names that model', () => {
    const raw = Buffer.from('{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}');
    expect(spliceTopLevelString(raw, 'model', 'gpt-4o-mini')).toBe(raw);
  });

  it('replaces only the top-level value, whatever nests before or after it', () => {
    const text =
      '{"messages":[{"role":"user","content":"say \\"model\\": {x}","model":"inner"}],"meta":{"model":"m"},"model" : "a" ,"n":1}';
    const out = splice(text, 'gpt-4o');
    expect(JSON.parse(out!)).toEqual({ ...JSON.parse(text), model: 'gpt-4o' });
    expect(out).toContain('"model":"inner"');
  });

  it('replaces a non-string value and a last field, and escapes the new model', () => {
    expect(JSON.parse(splice('{"n":1,"model":null}', 'a"b')!)).toEqual({ n: 1, model: 'a"b' });
    expect(JSON.parse(splice('{"model":{"x":[1,2]} }', 'm')!)).toEqual({ model: 'm' });
  });

  it('inserts the model when the body has none', () => {
    expect(JSON.parse(splice(' { "messages": [] }', 'm')!)).toEqual({ model: 'm', messages: [] });
    expect(JSON.parse(splice('{}', 'm')!)).toEqual({ model: 'm' });
  });

  it('gives up (null: serialise instead) on a duplicate or escaped key', () => {
    expect(splice('{"model":"a","model":"b"}', 'm')).toBeNull();
    expect(splice('{"mod\\u0065l":"a"}', 'm')).toBeNull();
    expect(splice('[1]', 'm')).toBeNull();
  });

  it('finds the end of strings that end in escaped backslashes', () => {
    const text = '{"a":"x\\\\","model":"old","b":"\\\\\\""}';
    expect(JSON.parse(splice(text, 'new')!)).toEqual({ ...JSON.parse(text), model: 'new' });
  });
});

describe('spliceTopLevelString with the key known present (the one-occurrence fast path)', () => {
  /** Bodies whose parse has a top-level model; the fast path must agree with the full scan on each. */
  const BODIES = [
    '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":50}',
    '{"messages":[{"role":"user","content":"hi"}],"model" : "old" ,"n":1}',
    // a second "model" (nested key, string value, the end of an escaped quote): two occurrences, scanned
    '{"messages":[{"role":"model","content":"x"}],"model":"old"}',
    '{"meta":{"model":"inner"},"model":"old"}',
    '{"messages":[{"content":"say \\"model"}],"model":"old"}',
    '{"model":"old","model":"new"}',
    // a \\u escape anywhere: scanned (the key itself may be written with one)
    '{"mod\\u0065l":"old","x":"\\u00e9"}',
    '{"mod\\u0065l":"old","meta":{"model":"inner"}}',
    '{"model":"caf\\u00e9"}',
    // values that are not strings, and strings with escapes
    '{"model":null,"x":1}',
    '{"model":{"a":"b"}}',
    '{"model":"a\\"b\\\\","x":"y"}',
    ' {\n  "model"\t:\r\n "old"\n}',
  ];
  const models = ['gpt-4o-mini', 'old', 'new', 'a"b\\', 'café'];

  // Small bodies keep the test readable; the pipeline takes this path from 512 bytes (llm.ts), where it is cheaper.
  it.each(BODIES)('%s: the same bytes as the full scan, for every model', (text) => {
    const raw = Buffer.from(text);
    expect(JSON.parse(text)).toHaveProperty('model');
    for (const m of models) {
      const fast = spliceTopLevelString(raw, 'model', m, true);
      const scanned = spliceTopLevelString(raw, 'model', m);
      expect(fast?.toString() ?? null).toBe(scanned?.toString() ?? null);
      if (fast !== null) expect(JSON.parse(fast.toString())).toEqual({ ...JSON.parse(text), model: m });
    }
  });

  it('returns the same Buffer when the body already names the model', () => {
    const raw = Buffer.from('{"model":"gpt-4o-mini","messages":[]}');
    expect(spliceTopLevelString(raw, 'model', 'gpt-4o-mini', true)).toBe(raw);
  });
});
