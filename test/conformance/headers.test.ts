import { describe, expect, it } from 'vitest';
import { compileHeaderRules } from '../../src/native/index.js';
import { headerConformance } from './headers.case.js';
import { forEachImplementation, prng, withBoth } from './implementations.js';

describe('header rewriting conformance', () => forEachImplementation(headerConformance));

const NAMES = [
  'host',
  'Host',
  'connection',
  'Connection',
  'x-a',
  'X-A',
  'x-b',
  'authorization',
  'x-api-key',
  'set-cookie',
  'TE',
  'x a',
  '',
  'x\u212a',
  'keep-alive',
  'x-c',
];
const VALUES = ['1', 'x-a', 'X-B, x-c', 'close', 'a\r\nb', 'a\nb', 'a\0b', '\t', 'é', '世界', '', ' x-a ', 'v\x01', '\u00a0x-b,\tx-c'];

withBoth('header rewriting, TS and native side by side', (ts, native) => {
  it('produce identical lists for random inputs on both paths', () => {
    const rand = prng(99);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const ruleSets = [
      compileHeaderRules({ direction: 'request' }),
      compileHeaderRules({
        direction: 'request',
        set: { 'x-a': 's' },
        add: { 'x-b': 'a' },
        remove: ['x-c'],
        credential: { name: 'authorization', value: 'Bearer k' },
      }),
      compileHeaderRules({ direction: 'response', dropConnectionListed: false, remove: ['set-cookie'] }),
    ];
    for (let c = 0; c < 2000; c++) {
      const list = Array.from({ length: Math.floor(rand() * 24) }, (_, i) => (i % 2 === 0 ? pick(NAMES) : pick(VALUES)));
      const rules = pick(ruleSets);
      expect(native.headers.strings(list, rules), `case ${c}`).toEqual(ts.headers.strings(list, rules));
      // Latin-1 bytes: what undici hands over for header bytes >= 0x80.
      const bufs = list.map((s) => Buffer.from(s, 'latin1'));
      const asText = (xs: Uint8Array[]) => xs.map((b) => Buffer.from(b).toString('latin1'));
      expect(asText(native.headers.buffers(bufs, rules)), `case ${c}`).toEqual(asText(ts.headers.buffers(bufs, rules)));
    }
  });
});
