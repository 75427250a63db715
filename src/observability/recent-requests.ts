// The last few hundred requests, kept in memory for the admin UI's request list and detail view
// and the passive health shown per backend. Recorded from the same RequestSummary as the
// metrics (Observability.recordRequest), once per request; off (one branch per request) unless the admin
// server is running. Holds no bodies, headers or query strings: nothing a client sent as a
// credential can end up here. Client identities are names (key name, JWT subject), never secrets.
import { clientOf } from './series.js';
import type { RequestSummary } from './summary.js';

/** Where a request's time went, in ms; a phase the request never reached is null. */
export interface RequestPhases {
  /** Arrival until the (last) upstream attempt was sent: routing, policies, reading the body. */
  gatewayMs: number | null;
  /** Attempt sent until it was written on a connection (a new connection's TCP/TLS included). */
  connectMs: number | null;
  /** Attempt sent until the upstream's response head arrived. */
  firstByteMs: number | null;
  /** Arrival until the first content token (streamed LLM answers). */
  firstTokenMs: number | null;
  /** Response head until the end: the body or the stream relayed. */
  streamMs: number | null;
}

export interface RecentRequest {
  /** Increases by one per request; `/api/requests?since=<seq>` returns newer ones. */
  seq: number;
  /** Unix time in ms when the request finished. */
  at: number;
  method: string;
  path: string;
  route: string | null;
  backend: string | null;
  model: string | null;
  status: number;
  /** `key:<name>`, `jwt:<subject>`, `basic:<user>` or `(anonymous)` (the spend table's client). */
  client: string;
  inputTokens: number | null;
  /** Of the input tokens, those the provider read from its prompt cache (when it says). */
  cachedTokens: number | null;
  outputTokens: number | null;
  /** USD from the price catalog; null when unpriced or without usage (see `priced`). */
  costUsd: number | null;
  /** LLM requests with usage: whether the model had a price (false is shown as "unpriced"); else null. */
  priced: boolean | null;
  latencyMs: number;
  /** Time to first token (streamed LLM responses). */
  ttftMs: number | null;
  phases: RequestPhases;
  /** Retries made after the first attempt. */
  retries: number;
  /** agentgateway's reason: the error's kind (`RateLimited`, ...), `DirectResponse`, or `Upstream`. */
  reason: string;
  /** The error's stable code (its kind, `upstream_unreachable`) and message when the gateway answered with an error. */
  errorCode: string | null;
  error: string | null;
  /** Prompt-guard actions (`request: mask (regex)`, ...); a rejection is the error. */
  guard: string[];
}

// The ring's slots are filled in place: a new object per request outlived hundreds of scavenges
// in the ring, so V8 copied and then promoted every one (and the per-request path string with it),
// which a full GC then had to collect. Readers (the admin API, a few times a second) get copies.

export class RecentRequests {
  enabled = false;
  /** Where a worker thread sends its records instead of its own ring (the main thread's `add`). */
  forward: ((r: RecentRequest) => void) | null = null;
  private readonly ring: (RecentRequest | undefined)[];
  private next = 1;

  constructor(readonly capacity = 500) {
    this.ring = new Array<RecentRequest | undefined>(capacity);
  }

  record(s: RequestSummary): void {
    if (this.forward !== null) {
      this.forward(fillRecent(blankRecent(), s));
      return;
    }
    const at = this.next % this.capacity;
    const slot = fillRecent(this.ring[at] ?? blankRecent(), s);
    slot.seq = this.next;
    this.ring[at] = slot;
    this.next++;
  }

  /** Appends a record (renumbered: records forwarded by worker threads join one sequence). */
  add(r: RecentRequest): void {
    r.seq = this.next;
    this.ring[this.next % this.capacity] = r;
    this.next++;
  }

  /** Copies of the requests with `seq > since`, oldest first (at most `capacity`). */
  since(since = 0): RecentRequest[] {
    const out: RecentRequest[] = [];
    const first = Math.max(since + 1, this.next - this.capacity, 1);
    for (let s = first; s < this.next; s++) out.push(copyRecent(this.ring[s % this.capacity]!));
    return out;
  }

  /** A copy of one request by its seq, while it is still in the ring. */
  get(seq: number): RecentRequest | undefined {
    if (!(seq >= 1 && seq < this.next && seq >= this.next - this.capacity)) return undefined;
    const r = this.ring[seq % this.capacity];
    return r === undefined ? undefined : copyRecent(r);
  }

  get lastSeq(): number {
    return this.next - 1;
  }
}

/** A recent request as a new object (what worker threads forward, and what tests compare). */
export function recentOf(s: RequestSummary): RecentRequest {
  return fillRecent(blankRecent(), s);
}

const NO_GUARD: readonly string[] = Object.freeze([]);

function blankRecent(): RecentRequest {
  return {
    seq: 0,
    at: 0,
    method: '',
    path: '',
    route: null,
    backend: null,
    model: null,
    status: 0,
    client: '',
    inputTokens: null,
    cachedTokens: null,
    outputTokens: null,
    costUsd: null,
    priced: null,
    latencyMs: 0,
    ttftMs: null,
    phases: { gatewayMs: null, connectMs: null, firstByteMs: null, firstTokenMs: null, streamMs: null },
    retries: 0,
    reason: '',
    errorCode: null,
    error: null,
    guard: NO_GUARD as string[],
  };
}

function fillRecent(r: RecentRequest, s: RequestSummary): RecentRequest {
  const ctx = s.ctx;
  const usage = s.usage;
  r.seq = 0;
  r.at = Date.now();
  r.method = ctx.down.method;
  r.path = internPath(ctx.path);
  r.route = ctx.route?.key ?? null;
  r.backend = ctx.upstream.backend?.name ?? ctx.mcp?.backendName ?? null;
  r.model = s.responseModel ?? s.requestModel ?? null;
  r.status = s.status;
  r.client = clientOf(s);
  r.inputTokens = usage?.inputTokens ?? null;
  r.cachedTokens = usage?.cacheReadTokens ?? null;
  r.outputTokens = usage?.outputTokens ?? null;
  r.costUsd = s.cost ?? null;
  r.priced = s.lookup === undefined ? null : s.cost !== undefined;
  r.latencyMs = round(s.durationS * 1000);
  r.ttftMs = s.ttftS !== undefined ? round(s.ttftS * 1000) : null;
  fillPhases(r.phases, s);
  r.retries = ctx.upstream.attempt;
  r.reason = s.reason;
  r.errorCode = s.code ?? null;
  r.error = s.error ?? null;
  r.guard = ctx.llm.guardActions === null ? (NO_GUARD as string[]) : [...ctx.llm.guardActions];
  return r;
}

function copyRecent(r: RecentRequest): RecentRequest {
  return { ...r, phases: { ...r.phases }, guard: [...r.guard] };
}

// Paths repeat (a busy gateway serves a few endpoints): the ring keeps one string per path
// rather than each request's own copy, which would be promoted with the slot.
const paths = new Map<string, string>();
const PATHS_MAX = 256;

function internPath(path: string): string {
  const known = paths.get(path);
  if (known !== undefined) return known;
  if (paths.size >= PATHS_MAX) paths.clear();
  paths.set(path, path);
  return path;
}

/** Differences of the monotonic marks the pipeline took anyway (plus two reads in the upstream call). */
function fillPhases(p: RequestPhases, s: RequestSummary): void {
  const { startNs, upstreamStartNs: sent, upstreamConnectedNs: connected, upstreamHeadersNs: head, firstTokenNs } = s.ctx.timings;
  p.gatewayMs = msBetween(startNs, sent);
  p.connectMs = msBetween(sent, connected);
  p.firstByteMs = msBetween(sent, head);
  p.firstTokenMs = msBetween(startNs, firstTokenNs);
  p.streamMs = msBetween(head, s.endNs);
}

function msBetween(from: bigint | undefined, to: bigint | undefined): number | null {
  return from === undefined || to === undefined ? null : round(Number(to - from) / 1e6);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
