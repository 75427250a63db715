// Session affinity on the request path. Once per request, before any attempt: the session key
// (sessionAffinity's source or header, else the prompt prefix), and for a session this gateway
// does not know yet, its pin in Redis when configured (the only wait, bounded by the policy's
// timeout, and only for a session's first request here). Per attempt: the provider, from
// src/lb/affinity.ts; what changed is counted, logged and shared (Redis pins).
import type { AffinityDecision } from '../lb/affinity.js';
import type { Slot } from '../lb/balancer.js';
import { gatewayNow } from '../lb/clock.js';
import { log } from '../observability/log.js';
import { sessionKey } from '../policies/session-affinity.js';
import type { AiGroupsRt } from '../runtime/snapshot.js';
import type { RequestCtx } from './context.js';
import type { LlmPlan } from './llm.js';

/** A request's session: its key (null: none, pick-2 decides) and the providers its attempts used. */
export interface SessionState {
  readonly key: number | null;
  readonly tried: Slot[];
  /** The last attempt's placement (access log). */
  last: AffinityDecision | null;
  /** This attempt's placement, until counted (once ctx.upstream.backend names the provider). */
  uncounted: AffinityDecision | 'none' | null;
}

/** Keys the request's session; waits only for a Redis pin of a session not known here. */
export function keySession(ctx: RequestCtx, g: AiGroupsRt, plan: LlmPlan): void | Promise<void> {
  const a = g.affinity;
  if (a === null) return;
  const format = plan.clientFormat === 'completions' || plan.clientFormat === 'messages' ? plan.clientFormat : null;
  const key = sessionKey(a.policy, ctx, plan.body, format);
  ctx.upstream.affinity = { key, tried: [], last: null, uncounted: null };
  if (key === null || a.pins === null || a.sessions.current(key, gatewayNow()) !== null) return;
  return a.pins.get(a.domain, key).then((name) => {
    const slot = name === null ? null : a.sessions.slotOf(name);
    if (slot !== null) a.sessions.adopt(key, slot, gatewayNow());
  });
}

/** The provider for this attempt: by the session when the request has one, else pick-2. */
export function pickSlot(ctx: RequestCtx, g: AiGroupsRt): Slot {
  const now = gatewayNow();
  const s = ctx.upstream.affinity;
  const a = g.affinity;
  if (s === null || a === null) return g.balancer!.pick(now);
  if (s.key === null) {
    s.uncounted = 'none';
    return g.balancer!.pick(now);
  }
  const d = a.sessions.choose(g.balancer!, s.key, now, s.tried);
  s.tried.push(d.slot);
  s.last = d;
  s.uncounted = d;
  if (a.pins !== null && (d.result === 'new' || d.result === 'moved' || (d.result === 'hit' && a.sessions.shouldShare(s.key, now)))) {
    a.pins.set(a.domain, s.key, a.sessions.nameOf(d.slot), a.policy.ttlMs);
  }
  if (d.result === 'moved') moves.report(ctx, g, d);
  else if (d.result === 'spilled' && log.isLevelEnabled('debug')) {
    const from = a.sessions.nameOf(d.from!);
    log.debug(
      { route: ctx.route?.key, from, to: a.sessions.nameOf(d.slot), reason: d.reason },
      'session affinity: one request sent elsewhere',
    );
  }
  return d.slot;
}

/** Counts the attempt's placement once ctx.upstream.backend names the provider it went to. */
export function countPlacement(ctx: RequestCtx): void {
  const s = ctx.upstream.affinity;
  const d = s?.uncounted;
  if (d === null || d === undefined) return;
  s!.uncounted = null;
  if (d === 'none') ctx.obs.countAffinity(ctx, 'none', null);
  else ctx.obs.countAffinity(ctx, d.result, d.reason);
}

/**
 * One info line per move, at most one a second per backend, provider pair and reason (an
 * evicted provider's sessions all move within seconds; the line says how many since the last).
 * Never the session key or anything it was made from.
 */
class MoveLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  report(ctx: RequestCtx, g: AiGroupsRt, d: AffinityDecision): void {
    const t = g.affinity!.sessions;
    const from = t.nameOf(d.from!);
    const to = t.nameOf(d.slot);
    const id = `${g.key}\u0000${from}\u0000${to}\u0000${d.reason}`;
    const now = Date.now();
    const seen = this.last.get(id);
    if (seen !== undefined && now - seen.at < 1000) {
      seen.suppressed++;
      return;
    }
    if (this.last.size > 1000) this.last.clear();
    this.last.set(id, { at: now, suppressed: 0 });
    const more = seen !== undefined && seen.suppressed > 0 ? ` (and ${seen.suppressed} more since the last line)` : '';
    log.info(
      { route: ctx.route?.key, backend: g.name, from, to, reason: d.reason },
      `session affinity: a session moved from ${from} to ${to}: ${REASONS[d.reason!]}${more}`,
    );
  }
}

const REASONS: Record<string, string> = {
  evicted: 'its provider is evicted',
  priority: 'the priority group in use changed',
  overloaded: 'its provider is over the load bound',
  retry: 'a retry avoids the provider that failed',
};

const moves = new MoveLog();
