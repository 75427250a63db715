// `sessionAffinity`: which session a request belongs to (its key), and the settings of the
// balancing that keeps a session on one provider (src/lb/affinity.ts). agentgateway keys by a
// CEL `source` only; here a request without one can also be keyed by the `x-session-affinity`
// header (when no source is set) and by its prompt's stable prefix (`prefix`, so the turns of one
// conversation share the deployment that caches it). Keys are 32-bit hashes computed the same
// way on every replica; neither the key nor what it was made from is ever logged.
import type { SessionAffinityT } from '../config/schema/traffic.js';
import { durationMs } from '../config/schema/common.js';
import type { Json } from '../llm/convert/types.js';
import { promptPrefixText, type PrefixSettings } from '../llm/prompt-prefix.js';
import { AFFINITY_KEY_SEED, affinityHasher } from '../native/index.js';
import { compileKeyExpression, type KeyExpression } from './conditions.js';
import type { PolicyCompiler } from './types.js';
import type { CelRequest } from '../cel/index.js';

/** The header that names a session when the policy sets no `source`. */
export const SESSION_HEADER = 'x-session-affinity';
export const DEFAULT_SESSION_TTL_MS = 5 * 60_000;
export const DEFAULT_MAX_LOAD = 1.5;
export const DEFAULT_PREFIX: PrefixSettings = { messages: 1, maxChars: 16_384 };
const DEFAULT_REDIS_TIMEOUT_MS = 100;

export interface SessionAffinityPolicy {
  /** agentgateway's `source`; null: the x-session-affinity header instead. */
  readonly source: KeyExpression | null;
  readonly prefix: PrefixSettings | null;
  readonly ttlMs: number;
  readonly maxLoad: number;
  readonly redis: { readonly url: string; readonly timeoutMs: number; readonly domain: string | undefined } | null;
}

type Path = (string | number)[];

export function compileSessionAffinity(spec: SessionAffinityT, path: Path, c: PolicyCompiler): SessionAffinityPolicy {
  const source = spec.source !== undefined ? (compileKeyExpression(spec.source, [...path, 'source'], c) ?? null) : null;
  const p = spec.prefix;
  const r = spec.redis;
  return {
    source,
    prefix: p === undefined ? null : { messages: p.messages ?? DEFAULT_PREFIX.messages, maxChars: p.maxBytes ?? DEFAULT_PREFIX.maxChars },
    ttlMs: spec.ttl !== undefined ? durationMs(spec.ttl) : DEFAULT_SESSION_TTL_MS,
    maxLoad: spec.maxLoad ?? DEFAULT_MAX_LOAD,
    redis:
      r === undefined
        ? null
        : { url: r.url, timeoutMs: r.timeout !== undefined ? durationMs(r.timeout) : DEFAULT_REDIS_TIMEOUT_MS, domain: r.domain },
  };
}

/** What the key may read: headers (and CEL's request, jwt, apiKey, llm, ...). */
export interface KeyedRequest extends CelRequest {
  header(name: string): string | undefined;
}

/**
 * The request's session key: the source (or the header), else a hash of the prompt prefix when
 * configured and the body is an LLM request; null: no key (pick-2 decides).
 */
export function sessionKey(
  p: SessionAffinityPolicy,
  req: KeyedRequest,
  body: Json | null,
  format: 'completions' | 'messages' | null,
): number | null {
  const explicit = p.source !== null ? p.source.evaluate(req) : (req.header(SESSION_HEADER) ?? '');
  if (explicit !== '') return affinityHasher().hash(explicit, AFFINITY_KEY_SEED);
  if (p.prefix === null || body === null || format === null) return null;
  const text = promptPrefixText(body, format, p.prefix);
  return text === '' ? null : affinityHasher().hash(text, AFFINITY_KEY_SEED);
}
