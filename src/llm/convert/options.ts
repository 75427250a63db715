// Injectable clock and id source, so translations are deterministic under test. Production
// uses the defaults.
import { randomBytes } from 'node:crypto';

export interface ConversionOptions {
  /** Unix time in seconds, for OpenAI's `created`. */
  now?: () => number;
  /** A fresh id with the given prefix (`msg_`, `toolu_`), for upstreams that sent none. */
  newId?: (prefix: string) => string;
}

export type ResolvedOptions = Required<ConversionOptions>;

function defaultNow(): number {
  return Math.floor(Date.now() / 1000);
}

function defaultNewId(prefix: string): string {
  return prefix + randomBytes(12).toString('base64url');
}

export function resolveOptions(opts: ConversionOptions = {}): ResolvedOptions {
  return { now: opts.now ?? defaultNow, newId: opts.newId ?? defaultNewId };
}
