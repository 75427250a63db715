// Passive health of AI providers (agentgateway's `health` policy, http/health.rs): which
// responses count as unhealthy, and when an unhealthy one takes the provider out of rotation.
// - Unhealthy: `unhealthyExpression` when set, else any 5xx; a connection failure, TLS failure
//   or timeout (no response to judge) always is.
// - Eviction: with `eviction` set, per its thresholds (none: one unhealthy response evicts).
//   Without it, only a 429 that announces when to come back evicts. The base time is the 429's
//   announced reset, else `eviction.duration`, else 3s; the balancer multiplies it by the
//   number of times the provider was evicted before (+1), except for an announced reset, which
//   is used as announced.
import type { CelRequest } from '../cel/index.js';
import type { HealthT } from '../config/schema/traffic.js';
import { durationMs } from '../config/schema/common.js';
import { compileResponseCondition, type ResponseCondition } from './conditions.js';
import type { AttemptHead, BackendPolicy, PolicyCompiler } from './types.js';
import { announcedResetMs } from './retry-after.js';

export const DEFAULT_EVICTION_MS = 3000;

export interface EvictionSettings {
  readonly durationMs: number;
  readonly healthThreshold?: number;
  readonly consecutiveFailures?: number;
}

/** What one attempt said about its provider. */
export interface HealthVerdict {
  readonly unhealthy: boolean;
  /** How long an unhealthy response evicts for; null: it does not. */
  readonly eviction: EvictionPlan | null;
}

/** A backend policy: each attempt's head says whether its provider is healthy, and whether it leaves rotation. */
export class HealthPolicy implements BackendPolicy<HealthVerdict> {
  constructor(
    /** null: the default rule (5xx). */
    readonly unhealthy: ResponseCondition | null,
    /** null: only announced 429 resets evict. */
    readonly eviction: EvictionSettings | null,
  ) {}

  judge(req: CelRequest, head: AttemptHead): HealthVerdict {
    if (!isUnhealthy(this, req, head.status)) return HEALTHY;
    return { unhealthy: true, eviction: evictionPlan(this, head.status, (n) => head.header(n)) };
  }
}

const HEALTHY: HealthVerdict = Object.freeze({ unhealthy: false, eviction: null });

/** Priority groups fail over only by eviction, so agentgateway enables it for them by default. */
export const GROUPS_DEFAULT_HEALTH = new HealthPolicy(null, { durationMs: DEFAULT_EVICTION_MS });

export function compileHealth(spec: HealthT, path: (string | number)[], c: PolicyCompiler): HealthPolicy {
  const expr = spec.unhealthyExpression;
  const unhealthy = expr !== undefined ? (compileResponseCondition(expr, [...path, 'unhealthyExpression'], c) ?? null) : null;
  const e = spec.eviction;
  const eviction: EvictionSettings | null =
    e === undefined
      ? null
      : {
          durationMs: e.duration !== undefined ? durationMs(e.duration) : DEFAULT_EVICTION_MS,
          ...(e.healthThreshold !== undefined ? { healthThreshold: e.healthThreshold } : {}),
          ...(e.consecutiveFailures !== undefined ? { consecutiveFailures: e.consecutiveFailures } : {}),
        };
  return new HealthPolicy(unhealthy, eviction);
}

/** Whether a response (status > 0) is unhealthy; `req.response` must be the response judged. */
export function isUnhealthy(policy: HealthPolicy, req: CelRequest, status: number): boolean {
  if (status === 0) return true;
  return policy.unhealthy !== null ? policy.unhealthy.holds(req) : status >= 500;
}

export interface EvictionPlan {
  /** Base time handed to the balancer. */
  readonly baseMs: number;
  /** The provider announced it (a 429's reset): use as is, not multiplied. */
  readonly announced: boolean;
}

/** How long an unhealthy response evicts for, or null when it does not evict. */
export function evictionPlan(policy: HealthPolicy, status: number, header: (name: string) => string | undefined): EvictionPlan | null {
  const announced = status === 429 ? announcedResetMs(header) : null;
  if (announced !== null && announced > 0) return { baseMs: announced, announced: true };
  if (policy.eviction === null) return null;
  return { baseMs: policy.eviction.durationMs, announced: false };
}
