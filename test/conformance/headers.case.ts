// Header rewriting conformance: hop-by-hop removal, modifier rules, credential injection,
// validation against CR/LF injection, duplicates and case-insensitivity, on both the request
// path (strings) and the response path (Buffers). Called once per implementation.
import { expect, it } from 'vitest';
import { compileHeaderRules, type HeaderRuleSpec, type Implementation } from '../../src/native/index.js';

/** Pairs make expectations readable: [[name, value], ...]. */
type Pairs = [string, string][];
const flat = (pairs: Pairs): string[] => pairs.flat();
const pairs = (list: readonly string[]): Pairs => {
  const out: Pairs = [];
  for (let i = 0; i < list.length; i += 2) out.push([list[i]!, list[i + 1]!]);
  return out;
};

export function headerConformance(impl: Implementation): void {
  const req = (spec: Omit<HeaderRuleSpec, 'direction'> = {}) => compileHeaderRules({ direction: 'request', ...spec });
  const res = (spec: Omit<HeaderRuleSpec, 'direction'> = {}) => compileHeaderRules({ direction: 'response', ...spec });
  const strings = (input: Pairs, rules = req()): Pairs => pairs(impl.headers.strings(flat(input), rules));
  const buffers = (input: Pairs, rules = res()): Pairs => {
    const out = impl.headers.buffers(
      flat(input).map((s) => Buffer.from(s, 'latin1')),
      rules,
    );
    return pairs(out.map((b) => Buffer.from(b).toString('latin1')));
  };

  it('drops hop-by-hop and gateway-managed request headers, keeping the rest in order', () => {
    const input: Pairs = [
      ['host', 'gw.example'],
      ['connection', 'keep-alive'],
      ['keep-alive', 'timeout=5'],
      ['te', 'trailers'],
      ['transfer-encoding', 'chunked'],
      ['upgrade', 'h2c'],
      ['proxy-connection', 'x'],
      ['proxy-authorization', 'Basic eA=='],
      ['trailer', 'x-t'],
      ['expect', '100-continue'],
      ['content-length', '12'],
      ['accept', 'application/json'],
      ['content-type', 'application/json'],
      ['user-agent', 'OpenAI/JS 6.4'],
    ];
    expect(strings(input)).toEqual([
      ['accept', 'application/json'],
      ['content-type', 'application/json'],
      ['user-agent', 'OpenAI/JS 6.4'],
    ]);
  });

  it('drops hop-by-hop response headers whatever their case, keeping Buffers as given', () => {
    const input: Pairs = [
      ['Date', 'Tue, 01 Jul 2025 00:00:00 GMT'],
      ['Content-Type', 'text/event-stream'],
      ['Transfer-Encoding', 'chunked'],
      ['CONNECTION', 'keep-alive'],
      ['Keep-Alive', 'timeout=5'],
      ['Content-Length', '10'],
      ['x-request-id', 'req_1'],
    ];
    expect(buffers(input)).toEqual([
      ['Date', 'Tue, 01 Jul 2025 00:00:00 GMT'],
      ['Content-Type', 'text/event-stream'],
      ['x-request-id', 'req_1'],
    ]);
    const list = [Buffer.from('x-a'), Buffer.from('1')];
    const out = impl.headers.buffers(list, res());
    expect(out[0]).toBe(list[0]);
    expect(out[1]).toBe(list[1]);
  });

  it('drops headers named by Connection, across repeated headers, with OWS and any case', () => {
    const input: Pairs = [
      ['connection', 'close, X-Trace ,,\tx-debug'],
      ['x-trace', '1'],
      ['Connection', 'x-b'],
      ['x-b', '2'],
      ['x-debug', '3'],
      ['x-keep', '4'],
    ];
    expect(strings(input)).toEqual([['x-keep', '4']]);
    expect(buffers(input)).toEqual([['x-keep', '4']]);
    expect(strings(input, req({ dropConnectionListed: false }))).toEqual([
      ['x-trace', '1'],
      ['x-b', '2'],
      ['x-debug', '3'],
      ['x-keep', '4'],
    ]);
    // Only SP and HTAB are optional whitespace: a no-break space makes the token invalid.
    const nbsp: Pairs = [
      ['connection', '\xa0x-a'],
      ['x-a', '1'],
    ];
    expect(strings(nbsp)).toEqual([['x-a', '1']]);
    expect(buffers(nbsp)).toEqual([['x-a', '1']]);
  });

  it('applies set (replace all), add (append) and remove, set before add', () => {
    const rules = req({ set: { 'X-Team': 'core' }, add: { 'x-tag': 'b', via: 'agw' }, remove: ['x-secret', 'X-Tag'] });
    const input: Pairs = [
      ['x-team', 'a'],
      ['x-tag', 'a'],
      ['x-secret', 's'],
      ['x-team', 'b'],
      ['x-other', 'o'],
      ['via', 'client'],
    ];
    expect(strings(input, rules)).toEqual([
      ['x-other', 'o'],
      ['via', 'client'],
      ['x-team', 'core'],
      ['x-tag', 'b'],
      ['via', 'agw'],
    ]);
    const response = res({ set: { 'cache-control': 'no-store' }, remove: ['server'] });
    expect(
      buffers(
        [
          ['Server', 'nginx'],
          ['Cache-Control', 'max-age=60'],
          ['x-a', '1'],
        ],
        response,
      ),
    ).toEqual([
      ['x-a', '1'],
      ['cache-control', 'no-store'],
    ]);
  });

  it('injects a credential, removing the client credentials, and it wins over set', () => {
    const bearer = req({
      credential: { name: 'authorization', value: 'Bearer sk-upstream' },
      set: { authorization: 'ignored', 'x-a': '1' },
    });
    const input: Pairs = [
      ['authorization', 'Bearer gw-key'],
      ['x-api-key', 'gw-key'],
      ['accept', '*/*'],
    ];
    expect(strings(input, bearer)).toEqual([
      ['accept', '*/*'],
      ['x-a', '1'],
      ['authorization', 'Bearer sk-upstream'],
    ]);
    const anthropic = req({ credential: { name: 'x-api-key', value: 'sk-ant-upstream' } });
    expect(strings(input, anthropic)).toEqual([
      ['accept', '*/*'],
      ['x-api-key', 'sk-ant-upstream'],
    ]);
    const custom = req({ credential: { name: 'x-api-key', value: 'k' }, clientCredentialHeaders: ['x-client-key'] });
    expect(
      strings(
        [
          ['authorization', 'a'],
          ['x-client-key', 'c'],
        ],
        custom,
      ),
    ).toEqual([
      ['authorization', 'a'],
      ['x-api-key', 'k'],
    ]);
  });

  it('keeps duplicate headers, in order, unless a rule names them', () => {
    const input: Pairs = [
      ['set-cookie', 'a=1'],
      ['x-forwarded-for', '10.0.0.1'],
      ['set-cookie', 'b=2'],
      ['x-forwarded-for', '10.0.0.2'],
    ];
    expect(strings(input)).toEqual(input);
    expect(buffers(input)).toEqual(input);
  });

  it('drops pairs whose value could inject a header (CR, LF, NUL, other controls)', () => {
    const evil: Pairs = [
      ['x-a', 'v\r\nset-cookie: pwned=1'],
      ['x-b', 'v\nx-injected: 1'],
      ['x-c', 'v\rx'],
      ['x-d', 'v\0x'],
      ['x-e', 'v\x1bx'],
      ['x-f', 'v\x7fx'],
      ['x-ok', 'tab\there'],
      ['x-latin', 'caf\xe9'],
      ['x-empty', ''],
    ];
    const kept: Pairs = [
      ['x-ok', 'tab\there'],
      ['x-latin', 'caf\xe9'],
      ['x-empty', ''],
    ];
    expect(strings(evil)).toEqual(kept);
    expect(buffers(evil)).toEqual(kept);
  });

  it('drops pairs whose name is not a token', () => {
    const bad: Pairs = [
      ['x a', '1'],
      ['x:a', '1'],
      ['', '1'],
      ['x\r\ny', '1'],
      ['x\0', '1'],
      ['caf\xe9', '1'],
      ['x-good_~!', '1'],
    ];
    expect(strings(bad)).toEqual([['x-good_~!', '1']]);
    expect(buffers(bad)).toEqual([['x-good_~!', '1']]);
  });

  it('keeps non-ASCII string values intact and drops a non-ASCII name', () => {
    const input: Pairs = [
      ['x-name', 'Zoë 世界 🎉'],
      ['x-ünï', '1'],
      ['x-k\u212a', '1'],
    ];
    expect(strings(input)).toEqual([['x-name', 'Zoë 世界 🎉']]);
    expect(
      strings([
        ['connection', 'x-\u212a'],
        ['x-k', '1'],
      ]),
    ).toEqual([['x-k', '1']]);
  });

  it('handles empty and odd-length lists', () => {
    const rules = req({ add: { 'x-gw': '1' } });
    expect(strings([], rules)).toEqual([['x-gw', '1']]);
    expect(impl.headers.strings(['x-a', '1', 'x-dangling'], req())).toEqual(['x-a', '1']);
    expect(impl.headers.buffers([Buffer.from('x-dangling')], res())).toEqual([]);
  });

  it('reuses one compiled rule set across many calls and long lists', () => {
    const rules = req({ set: { 'x-s': '1' } });
    const input: Pairs = Array.from({ length: 300 }, (_, i) => [`x-h${i % 7}`, `v${i}`]);
    for (let round = 0; round < 3; round++) {
      expect(strings(input, rules)).toEqual([...input, ['x-s', '1']]);
    }
  });
}
