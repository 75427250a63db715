// `retry` and `timeout` compiled to numbers and sets once, at config load.
// Retry semantics (agentgateway's proxy loop): `attempts` is the number of retries after the
// first try; a response is retried when its status is in `codes` or `condition` holds. An
// upstream failure with no response is retried when nothing reached the upstream (connection
// refused, TLS failure) — always safe — or when the status the gateway answers for it (504 for
// a timeout, 503/502 for a dropped connection) is in `codes`. A retried response that says when
// to come back (Retry-After) is retried then, up to `maxRetryAfter` (an extension).
import type { BackendDefaultsT } from '../config/schema/root.js';
import type { RetryT, TimeoutT } from '../config/schema/traffic.js';
import { durationMs } from '../config/schema/common.js';
import type { CelRequest } from '../cel/index.js';
import { compileResponseCondition, type ResponseCondition } from './conditions.js';
import type { AttemptHead, BackendPolicy, PolicyCompiler } from './types.js';

/** The default cap on a Retry-After the gateway waits for before retrying. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 10_000;

export interface RetrySettings {
  readonly retries: number;
  readonly backoffMs: number;
  /** Longest Retry-After honoured; a response asking longer is not retried. */
  readonly maxRetryAfterMs: number;
  readonly codes: ReadonlySet<number>;
  readonly condition: ResponseCondition | null;
}

/** A backend policy: it judges each attempt's response head (retry it, or answer with it). */
export class RetryPolicy implements RetrySettings, BackendPolicy<boolean> {
  readonly retries: number;
  readonly backoffMs: number;
  readonly maxRetryAfterMs: number;
  readonly codes: ReadonlySet<number>;
  readonly condition: ResponseCondition | null;

  constructor(s: RetrySettings) {
    this.retries = s.retries;
    this.backoffMs = s.backoffMs;
    this.maxRetryAfterMs = s.maxRetryAfterMs;
    this.codes = s.codes;
    this.condition = s.condition;
  }

  /** Whether the response asks for another attempt; `req.response` must be the head judged. */
  judge(req: CelRequest, head: AttemptHead): boolean {
    return this.codes.has(head.status) || this.condition?.holds(req) === true;
  }
}

export function compileRetry(spec: RetryT, path: (string | number)[], c: PolicyCompiler): RetryPolicy {
  const condition = spec.condition !== undefined ? (compileResponseCondition(spec.condition, [...path, 'condition'], c) ?? null) : null;
  if (spec.codes === undefined && spec.condition === undefined) {
    c.warn(`${path.join('.')}: retry has neither codes nor condition; only connection failures are retried`);
  }
  return new RetryPolicy({
    retries: spec.attempts ?? 1,
    backoffMs: spec.backoff !== undefined ? durationMs(spec.backoff) : 0,
    maxRetryAfterMs: spec.maxRetryAfter !== undefined ? durationMs(spec.maxRetryAfter) : DEFAULT_MAX_RETRY_AFTER_MS,
    codes: new Set(spec.codes ?? []),
    condition,
  });
}

/**
 * How long to wait before retrying a response that asked for a retry: the backoff, or the
 * time the upstream asked for (Retry-After, retry-after-ms) when longer. Null: it asks for
 * more than maxRetryAfter or than `leftMs` (what requestTimeout leaves), so retrying now would
 * only be refused again and its answer goes to the client instead.
 */
export function retryWaitMs(p: RetrySettings, askedMs: number | null, leftMs: number): number | null {
  if (askedMs === null || askedMs <= p.backoffMs) return p.backoffMs;
  return askedMs > p.maxRetryAfterMs || askedMs >= leftMs ? null : askedMs;
}

/** Whether a failure without a response is retried (see the header comment). */
export function retriesFailure(p: RetrySettings, nothingSent: boolean, gatewayStatus: number): boolean {
  return nothingSent || p.codes.has(gatewayStatus);
}

/** Milliseconds, 0 = no limit. */
export interface Timeouts {
  readonly requestMs: number;
  readonly backendMs: number;
  readonly firstByteMs: number;
  readonly idleMs: number;
}

export function compileTimeouts(spec: TimeoutT): Timeouts {
  const ms = (d: string | undefined) => (d === undefined ? 0 : durationMs(d));
  return {
    requestMs: ms(spec.requestTimeout),
    backendMs: ms(spec.backendRequestTimeout),
    firstByteMs: ms(spec.firstByteTimeout),
    idleMs: ms(spec.streamIdleTimeout),
  };
}

/**
 * Limits undici enforces on every upstream call of a route (milliseconds, 0 = none), so that a
 * silent upstream is cut even on routes without a `timeout` policy. agentgateway sets none (a
 * hung upstream holds the request as long as the client waits); these defaults follow nginx's
 * 60 s proxy_read_timeout for plain HTTP backends and give LLM providers 300 s, since a
 * non-streamed completion's headers only come once the whole answer is written. A phase the
 * route's own `timeout` policy bounds is left to it (its timers may be longer than a default).
 */
export interface UpstreamTimeouts {
  readonly hostHeadersMs: number;
  readonly aiHeadersMs: number;
  readonly bodyIdleMs: number;
}

export const DEFAULT_UPSTREAM_TIMEOUTS: UpstreamTimeouts = { hostHeadersMs: 60_000, aiHeadersMs: 300_000, bodyIdleMs: 300_000 };

export function upstreamTimeouts(route: Timeouts | null, defaults: BackendDefaultsT | undefined): UpstreamTimeouts {
  const headers = defaults?.backendRequestTimeout !== undefined ? durationMs(defaults.backendRequestTimeout) : null;
  const idle = defaults?.streamIdleTimeout !== undefined ? durationMs(defaults.streamIdleTimeout) : DEFAULT_UPSTREAM_TIMEOUTS.bodyIdleMs;
  const headBounded = route !== null && (route.requestMs > 0 || route.backendMs > 0 || route.firstByteMs > 0);
  const bodyBounded = route !== null && (route.requestMs > 0 || route.firstByteMs > 0 || route.idleMs > 0);
  return {
    hostHeadersMs: headBounded ? 0 : (headers ?? DEFAULT_UPSTREAM_TIMEOUTS.hostHeadersMs),
    aiHeadersMs: headBounded ? 0 : (headers ?? DEFAULT_UPSTREAM_TIMEOUTS.aiHeadersMs),
    bodyIdleMs: bodyBounded ? 0 : idle,
  };
}
