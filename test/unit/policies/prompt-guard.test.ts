// The regex guard's detectors, masking, and the stream hold-back that must never send any part
// of a match, however the text is split into events.
import { describe, expect, it } from 'vitest';
import { BUILTIN_DETECTORS, customDetector, luhn, type Detector } from '../../../src/policies/prompt-guard/builtins.js';
import type { StreamGuardRules } from '../../../src/policies/prompt-guard/guard.js';
import { findMatches, maskText } from '../../../src/policies/prompt-guard/regex.js';
import { StreamRejected, TextHoldback } from '../../../src/policies/prompt-guard/stream-mask.js';

const D = BUILTIN_DETECTORS;
const mask = (ds: Detector[], text: string) => maskText(text, findMatches(ds, text));

describe('built-in detectors', () => {
  it('email', () => {
    expect(mask([D.email], 'write to jane.doe+news@mail.example.co.uk today')).toBe('write to <EMAIL_ADDRESS> today');
    expect(mask([D.email], 'not an email: a@b or @example.com')).toBe('not an email: a@b or @example.com');
  });

  it('phone numbers, US and international', () => {
    expect(mask([D.phoneNumber], 'call (555) 123-4567 or +1 555.123.4567')).toBe('call <PHONE_NUMBER> or <PHONE_NUMBER>');
    expect(mask([D.phoneNumber], 'Paris: +33 1 42 68 53 00.')).toBe('Paris: <PHONE_NUMBER>.');
    expect(mask([D.phoneNumber], 'order 12345 of 2024')).toBe('order 12345 of 2024');
  });

  it('credit cards only when the Luhn check passes', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(mask([D.creditCard], 'card 4111 1111 1111 1111 ok')).toBe('card <CREDIT_CARD> ok');
    expect(mask([D.creditCard], 'card 4111-1111-1111-1111')).toBe('card <CREDIT_CARD>');
    expect(mask([D.creditCard], 'not a card 4111 1111 1111 1112')).toBe('not a card 4111 1111 1111 1112');
  });

  it('US SSN with separators, not impossible area numbers', () => {
    expect(mask([D.ssn], 'ssn 123-45-6789.')).toBe('ssn <US_SSN>.');
    expect(mask([D.ssn], 'bad 000-12-3456 and 666-12-3456')).toBe('bad 000-12-3456 and 666-12-3456');
  });

  it('Canadian SIN with the Luhn check', () => {
    expect(mask([D.caSin], 'SIN 130 692 544')).toBe('SIN <CA_SIN>');
    expect(mask([D.caSin], 'SIN 130 692 545')).toBe('SIN 130 692 545');
  });

  it('custom patterns mask as <masked>; overlapping matches merge', () => {
    expect(mask([customDetector('secret-\\d+')], 'a secret-42 b')).toBe('a <masked> b');
    // the card number also contains phone-like runs: one placeholder, the longest match's
    expect(mask([D.phoneNumber, D.creditCard], 'x 4111111111111111 y')).toBe('x <CREDIT_CARD> y');
  });
});

const RULES: StreamGuardRules = { mask: [D.email, D.phoneNumber, D.creditCard, D.ssn], reject: [] };
const TEXT = 'Mail jane.doe@example.com or call 555-123-4567; card 4111 1111 1111 1111, ssn 123-45-6789. Bye!';
const SECRETS = ['jane.doe@example.com', '555-123-4567', '4111 1111 1111 1111', '123-45-6789'];

function streamed(pieces: string[], rules = RULES): string[] {
  const h = new TextHoldback(rules);
  const out = pieces.map((p) => h.push(p));
  out.push(h.flush());
  return out;
}

describe('stream hold-back', () => {
  it('equals the whole-text mask for every split into two and three pieces', () => {
    const whole = mask(RULES.mask as Detector[], TEXT);
    for (let i = 0; i <= TEXT.length; i++) {
      expect(streamed([TEXT.slice(0, i), TEXT.slice(i)]).join('')).toBe(whole);
      for (let j = i; j <= TEXT.length; j += 7) {
        expect(streamed([TEXT.slice(0, i), TEXT.slice(i, j), TEXT.slice(j)]).join('')).toBe(whole);
      }
    }
  });

  it('never emits a piece of a secret, even one character at a time', () => {
    const out = streamed([...TEXT]);
    const sent = out.join('');
    for (const s of SECRETS) expect(sent).not.toContain(s);
    // no emitted piece contains the start of a secret beyond its first character either
    for (const piece of out) for (const s of SECRETS) expect(piece.includes(s.slice(0, 4))).toBe(false);
  });

  it('sends plain words without waiting for the end of the stream', () => {
    const out = streamed(['Hello there, ', 'how are ', 'you?']);
    expect(out[0]).toBe('Hello there, ');
    expect(out.join('')).toBe('Hello there, how are you?');
  });

  it('a reject rule throws once the match is complete, before any of it is sent', () => {
    const h = new TextHoldback({ mask: [], reject: [{ detectors: [D.ssn], rejection: { status: 403, message: 'no', headers: [] } }] });
    expect(h.push('my ssn is 123-4')).toBe('my ssn is ');
    expect(() => h.push('5-6789 ok')).toThrow(StreamRejected);
  });

  it('does not split a surrogate pair between events', () => {
    const h = new TextHoldback({ mask: [customDetector('zz')], reject: [] });
    const text = 'x'.repeat(300) + '😀' + 'y'.repeat(10);
    const first = h.push(text);
    expect(first.charCodeAt(first.length - 1) >= 0xd800 && first.charCodeAt(first.length - 1) <= 0xdbff).toBe(false);
    expect(first + h.flush()).toBe(text);
  });
});
