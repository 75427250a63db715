// The built-in detectors of agentgateway's regex guard (ssn, creditCard, phoneNumber, email,
// caSin) with Presidio's entity names, which is what a mask writes: `<EMAIL_ADDRESS>`, ...
// Each detector also says which characters a match is made of and how long one can be, so a
// streamed answer can hold back exactly the tail that might still become a match
// (stream-mask.ts) instead of a fixed window.
import { linearRegExp } from '../../config/linear-regex.js';

export interface Detector {
  readonly entity: string;
  /** Global regex of candidates. */
  readonly regex: RegExp;
  /** Extra check on a candidate (credit cards and SINs: Luhn). */
  readonly valid?: (match: string) => boolean;
  /** Characters a match consists of; null: unknown (custom patterns). */
  readonly alphabet: RegExp | null;
  /** Characters a match can begin with (the rest of a held run before one is not held). */
  readonly starts?: RegExp;
  /** Longest possible match (for custom patterns: the stream hold-back window). */
  readonly maxLength: number;
}

/** Luhn (mod 10) over the digits of s. */
export function luhn(s: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    let d = c - 48;
    if (double) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const NOT_WORD_BEFORE = '(?<![\\w@.+-])';

export const BUILTIN_DETECTORS = {
  email: {
    entity: 'EMAIL_ADDRESS',
    regex: new RegExp(
      `${NOT_WORD_BEFORE}[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])`,
      'g',
    ),
    alphabet: /[A-Za-z0-9._%+@-]/,
    starts: /[A-Za-z0-9._%+-]/,
    maxLength: 254,
  },
  phoneNumber: {
    entity: 'PHONE_NUMBER',
    // North American numbers with optional +1, and international numbers written with a +.
    regex: /(?<![\w+])(?:(?:\+?1[ .-]?)?(?:\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}|\+\d{1,3}(?:[ .-]?\d{1,4}){2,5})(?![\w])/g,
    alphabet: /[0-9 ().+-]/,
    starts: /[0-9(+]/,
    maxLength: 24,
  },
  creditCard: {
    entity: 'CREDIT_CARD',
    // 13-19 digits, optionally grouped by single spaces or dashes; kept only when Luhn-valid.
    regex: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g,
    valid: luhn,
    alphabet: /[0-9 -]/,
    starts: /[0-9]/,
    maxLength: 37,
  },
  ssn: {
    entity: 'US_SSN',
    // Written with separators (a bare 9-digit number is too often something else).
    regex: /(?<![\d-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\d-])/g,
    alphabet: /[0-9 -]/,
    starts: /[0-9]/,
    maxLength: 11,
  },
  caSin: {
    entity: 'CA_SIN',
    regex: /(?<![\d-])[1-79]\d{2}([- ]?)\d{3}\1\d{3}(?![\d-])/g,
    valid: luhn,
    alphabet: /[0-9 -]/,
    starts: /[0-9]/,
    maxLength: 11,
  },
} as const satisfies Record<string, Detector>;

export type BuiltinName = keyof typeof BUILTIN_DETECTORS;

/** Window held back for custom patterns in streams: longer matches split across events may pass. */
export const CUSTOM_PATTERN_WINDOW = 256;

export function customDetector(pattern: string): Detector {
  return { entity: 'masked', regex: linearRegExp(pattern, 'g'), alphabet: null, maxLength: CUSTOM_PATTERN_WINDOW };
}
