// Regular expressions written in the config (route path, header and query matchers, prompt-guard
// patterns, model-alias and CORS wildcards) run on RE2, a linear-time engine: V8's backtracking
// engine lets one short request freeze the gateway (`(a+)+$` against 30 characters: seconds;
// `(?:a{1,20})+$` against 40: minutes). RE2's syntax is that of agentgateway's Rust regex
// crate (both come from RE2): inline flags such as `(?i)` anywhere, POSIX classes, `\p{L}`,
// and no lookaround or backreferences, the constructs that need backtracking.
//
// Measured on the 2-core VM (`npx tsx bench/micro/regex.ts`, the README has the table): a route
// regex test costs ~170 ns on RE2 (V8: ~50), a guard pattern 3-55 µs per 10 KB of prompt (V8:
// 1-3), and `^(?:a{1,20})+$` against 24 characters 0.06 ms (V8: 1.3 s, growing 1.6x per
// character even with the excessive-backtracks fallback of v8-flags.ts, whose linear engine
// refuses counted repetition above 16). V8's own linear engine (the `l` flag) is ~350 µs per
// 10 KB scan, and refuses `\d{13,19}`-style counts, so it cannot be the default.
import RE2 from 're2';

const HINTS: readonly [RegExp, string][] = [
  [/invalid perl operator: \(\?<?[=!]/, 'lookahead and lookbehind are not supported'],
  [/invalid escape sequence: \\[1-9k]/, 'backreferences are not supported'],
  [/invalid repetition size/, 'a repetition count can be at most 1000'],
  [/bad repetition operator: (\*|\+|\?|\})[*+]/, 'possessive quantifiers are not supported'],
];

/**
 * `pattern` compiled for RE2 (RegExp-compatible: test, exec, lastIndex, flags g/i/m/s/y).
 * Throws an Error whose message says what RE2 refused and why.
 */
export function linearRegExp(pattern: string, flags = ''): RegExp {
  try {
    return new RE2(pattern, flags);
  } catch (e) {
    const reason = (e as Error).message;
    const hint = HINTS.find(([re]) => re.test(reason))?.[1];
    throw new Error(
      `invalid regular expression: ${reason}${hint !== undefined ? ` (${hint}: patterns run on RE2, a linear-time engine, as agentgateway's Rust regexes do)` : ''}`,
    );
  }
}
