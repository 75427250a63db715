// Building blocks shared by the config schemas.
import { z } from 'zod';
import { linearRegExp } from '../linear-regex.js';

/** Durations as agentgateway writes them: `500ms`, `10s`, `1m30s`, `2h`. */
export const Duration = z
  .string()
  .regex(/^(\d+(\.\d+)?(ms|s|m|h))+$/, 'expected a duration such as "500ms", "10s", "1m30s"')
  .describe('Duration, e.g. "500ms", "10s", "1m30s", "2h"');

/** A `host:port` address (or `host` where a default port applies). */
export const HostPort = z
  .string()
  .min(1)
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+)(:\d{1,5})?$/, 'expected "host:port"');

/** A secret given inline or read from a file (re-read on reload). */
export const SecretSource = z.union([
  z.string(),
  z.strictObject({ file: z.string().min(1).describe('Path of a file holding the secret') }),
]);

/** Header name -> value map used by header modifiers. */
export const HeaderMap = z.record(
  z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'invalid header name'),
  z.string().regex(/^[^\r\n\0]*$/, 'header values may not contain CR, LF or NUL'),
);

export const HeaderModifier = z.strictObject({
  add: HeaderMap.optional().describe('Headers appended'),
  set: HeaderMap.optional().describe('Headers replaced'),
  remove: z.array(z.string()).optional().describe('Header names removed'),
});

/**
 * Refinement for "one of these keys" objects (agentgateway's enums in YAML form), which
 * gives a clearer error than a zod union and keeps unknown-key suggestions precise.
 */
export function exactlyOne<T extends Record<string, unknown>>(keys: readonly (keyof T & string)[], what: string) {
  return (v: T, ctx: z.RefinementCtx) => {
    const present = keys.filter((k) => v[k] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          present.length === 0
            ? `${what} needs exactly one of: ${keys.join(', ')}`
            : `${what} takes exactly one of: ${keys.join(', ')} (found ${present.join(', ')})`,
      });
    }
  };
}

export function durationMs(d: string): number {
  let total = 0;
  for (const m of d.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1e3 : m[2] === 'm' ? n * 60e3 : n * 3600e3;
  }
  return total;
}

/**
 * A regular expression in RE2 syntax (linear-regex.ts), checked when the config loads rather
 * than when a request arrives; the error says what RE2 refused.
 */
export const Regex = z.string().superRefine((s, ctx) => {
  try {
    linearRegExp(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});
