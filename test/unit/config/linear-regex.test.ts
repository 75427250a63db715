// Config-written regexes run on RE2 (linear time, agentgateway's Rust-regex syntax); the V8 flag
// set at process start covers the rest, and worker threads inherit it.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { linearRegExp } from '../../../src/config/linear-regex.js';
import { Regex } from '../../../src/config/schema/common.js';
import { V8_FLAGS } from '../../../src/v8-flags.js';

describe('linearRegExp', () => {
  it('takes Rust-regex syntax: inline flags anywhere, POSIX classes, Unicode classes', () => {
    expect(linearRegExp('(?i)drop\\s+table').test('DROP  Table')).toBe(true);
    expect(linearRegExp('a(?i)b').test('aB')).toBe(true);
    expect(linearRegExp('^[[:alpha:]]+$').test('abc')).toBe(true);
    expect(linearRegExp('^\\p{L}+$').test('héllo')).toBe(true);
    expect(linearRegExp('sk-[A-Za-z0-9]{20,}').test(`sk-${'x'.repeat(24)}`)).toBe(true);
  });

  it('behaves as a global RegExp for the guards (exec, lastIndex, UTF-16 indices)', () => {
    const re = linearRegExp('ab', 'g');
    const m = re.exec('x😀ab ab');
    expect(m?.index).toBe(3);
    expect(re.lastIndex).toBe(5);
    expect(re.exec('x😀ab ab')?.index).toBe(6);
  });

  it.each([
    ['(?<=x)y', /lookahead and lookbehind are not supported/],
    ['x(?!y)', /lookahead and lookbehind are not supported/],
    ['(a)\\1', /backreferences are not supported/],
    ['a{1,1001}', /at most 1000/],
    ['(', /missing \)/],
  ])('refuses %s with a reason', (pattern, why) => {
    expect(() => linearRegExp(pattern)).toThrow(why);
    expect(() => linearRegExp(pattern)).toThrow(/^invalid regular expression/);
    const parsed = Regex.safeParse(pattern);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(why);
  });

  it('answers patterns that backtrack exponentially in V8, at once', () => {
    // V8 needs minutes for these (its linear-engine fallback does not take {1,20})
    expect(linearRegExp('^(?:a{1,20})+$').test(`${'a'.repeat(60)}!`)).toBe(false);
    expect(linearRegExp('(a+)+$', 'g').exec(`${'a'.repeat(5000)}!`)).toBeNull();
    expect(linearRegExp('(a+)+!', 'g').exec(`b${'a'.repeat(5000)}!`)?.index).toBe(1);
  });
});

describe('the V8 flag', () => {
  it('is inherited by worker threads: a backtracking regex there falls back to the linear engine', async () => {
    // without the flag /(a+)+$/ against 40 characters takes days
    const answer = await new Promise((resolve, reject) => {
      const w = new Worker(`require('node:worker_threads').parentPort.postMessage(/(a+)+$/.test('${'a'.repeat(40)}!'))`, { eval: true });
      w.once('message', (m) => {
        resolve(m);
        void w.terminate();
      });
      w.once('error', reject);
    });
    expect(V8_FLAGS).toMatch(/excessive-backtracks/);
    expect(answer).toBe(false);
  });
});
