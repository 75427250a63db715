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
