// The upstream attempt loop: per-attempt policies (backend selection, backend auth and header
// rewrite — built by the plan —, timeouts, passive health) inside, retries around it.
//
// Each attempt asks the plan for its endpoint and request, so a retry re-selects the backend:
// with priority groups and eviction, a retry fails over. An attempt's response head is judged
// before anything reaches the client: health (pick-2 EWMAs, eviction) first, then the retry
// policy. Once a head is handed to the response listener the attempt is committed: nothing is
// retried after that, so no client ever sees the start of one response and the rest of another.
//
// Timeouts (milliseconds, one timer at a time):
// - before the head: backendRequestTimeout and firstByteTimeout, whichever ends first;
// - after the head: firstByteTimeout (from the attempt's start) until the first body byte;
// - then streamIdleTimeout between chunks, not counted while the client applies backpressure.
// A timeout before the head is a failure like a refused connection (504, maybe retried); after
// it, the listener turns it into an error event (streams) or a 504, and the upstream is aborted.
import { GatewayError } from '../errors.js';
import type { AiBackendRt } from '../runtime/snapshot.js';
import type { BalancerState, Slot } from '../lb/balancer.js';
import { gatewayNow } from '../lb/clock.js';
import { retriesFailure, retryWaitMs, type RetryPolicy, type Timeouts } from '../policies/retry.js';
import type { AttemptHead } from '../policies/types.js';
import { retryAfterMs } from '../policies/retry-after.js';
import type { UpstreamCall, UpstreamListener } from '../upstream/dispatch.js';
import type { RequestCtx } from './context.js';
import { finish } from './finish.js';
import { dispatch, startCall, type Forwarding } from './forward.js';
import { rawHeaderValue } from '../http/header-lists.js';
import { sendError } from './respond.js';
import { countRetry } from './traffic-metrics.js';

export interface ResponseListener extends UpstreamListener {
  call: UpstreamCall | null;
}

export interface Prepared {
  readonly fwd: Forwarding;
  readonly listener: ResponseListener;
}

/**
 * Picks the next attempt's endpoint (setting ctx.upstream.backend) and builds its request; null: answered
 * locally. A promise when the request waits for something first (a backend token being minted).
 */
export type PlanAttempt = (ctx: RequestCtx) => Prepared | null | Promise<Prepared | null>;

/**
 * Runs `go` with the plan's result: at once when it is ready, else once it is (unless the client
 * left or the request was answered meanwhile); a rejection is the request's error response.
 */
function whenPlanned(ctx: RequestCtx, planned: Prepared | null | Promise<Prepared | null>, go: (p: Prepared) => void): void {
  if (!(planned instanceof Promise)) {
    if (planned !== null) go(planned);
    return;
  }
  planned.then(
    (p) => {
      if (ctx.finished) return;
      if (ctx.down.aborted) return finish(ctx);
      if (p !== null) go(p);
    },
    (e: unknown) => {
      if (ctx.finished) return;
      sendError(ctx, e);
      finish(ctx);
    },
  );
}

type TimerKind = 'backendRequestTimeout' | 'firstByteTimeout' | 'streamIdleTimeout';

export function runAttempts(ctx: RequestCtx, plan: PlanAttempt): void {
  const traffic = ctx.route!.traffic;
  const rb = ctx.routeBackend;
  // A failover virtual model (llm listener) retries on its own unless the route says how.
  const retry = traffic?.retry ?? (rb?.kind === 'ai-groups' ? rb.failoverRetry : null);
  const timeouts = traffic?.timeouts ?? null;
  const balancer = rb?.kind === 'ai-groups' ? rb.balancer : null;
  if (retry === null && timeouts === null && balancer === null) {
    // The lean path: one attempt, no timers, no health to record.
    whenPlanned(ctx, plan(ctx), (p) => dispatch(ctx, p.fwd, p.listener, finish));
    return;
  }
  new Attempts(ctx, plan, retry, timeouts, balancer).start();
}

class Attempts implements UpstreamListener {
  private call: UpstreamCall | null = null;
  private inner: ResponseListener | null = null;
  private slot: Slot | null = null;
  private startedAt = 0;
  private committed = false;
  private gotBody = false;
  private timer: NodeJS.Timeout | null = null;
  private timerKind: TimerKind = 'backendRequestTimeout';
  private backoff: NodeJS.Timeout | null = null;

  constructor(
    private readonly ctx: RequestCtx,
    private readonly plan: PlanAttempt,
    private readonly retry: RetryPolicy | null,
    private readonly timeouts: Timeouts | null,
    private readonly balancer: BalancerState | null,
  ) {}

  start(): void {
    this.ctx.down.onAbort(() => {
      this.stop(null);
      finish(this.ctx);
    });
    this.ctx.upstream.onRequestTimeout = (ms) => this.requestTimedOut(ms);
    this.attempt();
  }

  private attempt(): void {
    const ctx = this.ctx;
    this.backoff = null;
    if (ctx.finished) return;
    let planned: Prepared | null | Promise<Prepared | null>;
    try {
      planned = this.plan(ctx);
    } catch (e) {
      sendError(ctx, e);
      finish(ctx);
      return;
    }
    whenPlanned(ctx, planned, (p) => this.send(p));
  }

  private send(p: Prepared): void {
    const ctx = this.ctx;
    const ep = ctx.upstream.backend!;
    this.inner = p.listener;
    this.committed = false;
    this.gotBody = false;
    this.slot = this.balancer !== null && ep.kind === 'ai' ? ep.slot : null;
    if (this.slot !== null) this.balancer!.started(this.slot);
    const headers = ctx.upstream.attempt > 0 ? [...p.fwd.headers, 'x-retry-attempt', String(ctx.upstream.attempt)] : p.fwd.headers;
    this.startedAt = performance.now();
    this.armBeforeHead();
    this.call = startCall(ctx, { ...p.fwd, headers }, this);
    p.listener.call = this.call;
  }

  // ---- the upstream call's events ----

  onHeaders(status: number, raw: Buffer[]): void {
    this.disarm();
    const ctx = this.ctx;
    ctx.response = { status, rawHeaders: raw };
    // The backend policies judge the attempt: passive health first, then the retry decision.
    const head = attemptHead(status, raw);
    const evicted = this.record(head);
    if (this.canRetry() && this.retry!.judge(ctx, head)) {
      const wait = this.retryWait(raw, evicted);
      if (wait !== null) {
        this.call!.abort('retrying');
        this.retryLater(`status ${status}`, wait);
        return;
      }
    }
    this.committed = true;
    this.inner!.onHeaders(status, raw);
    this.armAfterHead();
  }

  onData(chunk: Buffer): void {
    if (!this.gotBody) {
      this.gotBody = true;
      this.disarm();
      const idle = this.timeouts?.idleMs ?? 0;
      if (idle > 0) this.arm(idle, 'streamIdleTimeout');
    } else if (this.timer !== null) this.timer.refresh();
    this.inner!.onData(chunk);
  }

  onEnd(): void {
    this.disarm();
    this.inner!.onEnd();
  }

  onError(err: GatewayError): void {
    this.disarm();
    this.fail(err, true);
  }

  // ---- outcomes ----

  private fail(err: GatewayError, mayRetry: boolean): void {
    const ctx = this.ctx;
    if (!this.committed) {
      ctx.response = { status: 0, rawHeaders: [] };
      this.record(NO_HEAD);
      if (mayRetry && this.canRetry() && retriesFailure(this.retry!, err.beforeRequestSent, err.status)) {
        this.retryLater(err.kind, this.retry!.backoffMs);
        return;
      }
    }
    this.inner!.onError(err);
  }

  private canRetry(): boolean {
    return this.retry !== null && this.ctx.upstream.attempt < this.retry.retries && !this.ctx.finished;
  }

  /**
   * The wait before retrying a response: the upstream's Retry-After when it asks for one
   * (capped, see retryWaitMs), unless that provider was just evicted for it, since then the
   * retry goes to another one. Null: not retried.
   */
  private retryWait(raw: Buffer[], evicted: boolean): number | null {
    const p = this.retry!;
    if (evicted) return p.backoffMs;
    const requestMs = this.timeouts?.requestMs ?? 0;
    const left = requestMs > 0 ? requestMs - Number(process.hrtime.bigint() - this.ctx.timings.startNs) / 1e6 : Number.POSITIVE_INFINITY;
    return retryWaitMs(
      p,
      retryAfterMs((n) => rawHeaderValue(raw, n)),
      left,
    );
  }

  private retryLater(reason: string, wait: number): void {
    countRetry(this.ctx, reason); // counts the attempt (ctx.upstream.attempt)
    if (wait > 0) this.backoff = setTimeout(() => this.attempt(), wait);
    else queueMicrotask(() => this.attempt());
  }

  /** Feeds the balancer: latency to the head, health, and eviction when the policy says so; true: evicted. */
  private record(head: AttemptHead): boolean {
    const slot = this.slot;
    if (slot === null) return false;
    this.slot = null;
    const ep = this.ctx.upstream.backend as AiBackendRt;
    const latency = (performance.now() - this.startedAt) / 1000;
    const health = ep.health;
    const status = head.status;
    const verdict = health !== null ? health.judge(this.ctx, head) : { unhealthy: status === 0 || status >= 500, eviction: null };
    let evictMs: number | null = null;
    let rule = health?.eviction ?? {};
    const plan = verdict.eviction;
    if (plan !== null) {
      evictMs = plan.announced ? this.balancer!.baseFor(slot, plan.baseMs) : plan.baseMs;
      if (plan.announced) rule = {};
    }
    this.balancer!.finished(slot, latency, !verdict.unhealthy, gatewayNow(), evictMs, rule);
    return evictMs !== null;
  }

  // ---- timers ----

  private armBeforeHead(): void {
    const t = this.timeouts;
    if (t === null) return;
    const candidates: [number, TimerKind][] = [
      [t.backendMs, 'backendRequestTimeout'],
      [t.firstByteMs, 'firstByteTimeout'],
    ];
    const set = candidates.filter(([ms]) => ms > 0).sort((a, b) => a[0] - b[0]);
    if (set.length > 0) this.arm(set[0]![0], set[0]![1]);
  }

  private armAfterHead(): void {
    const t = this.timeouts;
    if (t === null || this.gotBody) return;
    if (t.firstByteMs > 0) this.arm(Math.max(1, t.firstByteMs - (performance.now() - this.startedAt)), 'firstByteTimeout');
    else if (t.idleMs > 0) this.arm(t.idleMs, 'streamIdleTimeout');
  }

  private arm(ms: number, kind: TimerKind): void {
    this.disarm();
    this.timerKind = kind;
    this.timer = setTimeout(() => this.timedOut(ms), ms);
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private timedOut(ms: number): void {
    this.timer = null;
    const call = this.call!;
    if (this.timerKind === 'streamIdleTimeout' && call.isPaused) {
      this.arm(ms, 'streamIdleTimeout'); // the client is slow, not the upstream
      return;
    }
    const what =
      this.timerKind === 'backendRequestTimeout'
        ? 'sent no response headers'
        : this.timerKind === 'firstByteTimeout'
          ? 'sent no response body'
          : 'went silent';
    const message = `upstream ${this.ctx.upstream.backend!.name} ${what} within ${this.timerKind} (${ms} ms)`;
    call.abort(message);
    this.fail(new GatewayError('upstream_timeout', message), true);
  }

  /** The whole request's time is up (timeout.requestTimeout): no retry, the upstream is aborted. */
  private requestTimedOut(ms: number): void {
    const message = `request exceeded requestTimeout (${ms} ms)`;
    const inFlight = this.backoff === null && this.call !== null;
    this.stop(message);
    const err = new GatewayError('request_timeout', message);
    if (inFlight) this.fail(err, false);
    else {
      sendError(this.ctx, err);
      finish(this.ctx);
    }
  }

  /** Stops whatever is running: the call (its attempt counts as healthy-but-abandoned), timers, backoff. */
  private stop(reason: string | null): void {
    this.disarm();
    if (this.backoff !== null) clearTimeout(this.backoff);
    this.backoff = null;
    if (this.slot !== null) {
      // An attempt cut short says nothing about the provider's health; its pending count must still drop.
      this.balancer!.finished(this.slot, (performance.now() - this.startedAt) / 1000, true, gatewayNow(), null, {});
      this.slot = null;
    }
    this.call?.abort(reason ?? undefined);
  }
}

/** An attempt that failed without a response head. */
const NO_HEAD: AttemptHead = { status: 0, header: () => undefined };

function attemptHead(status: number, raw: Buffer[]): AttemptHead {
  return { status, header: (n) => rawHeaderValue(raw, n) };
}
