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
    const r = recentOf(s);
    if (this.forward !== null) this.forward(r);
    else this.add(r);
  }

  /** Appends a record (renumbered: records forwarded by worker threads join one sequence). */
  add(r: RecentRequest): void {
    r.seq = this.next;
    this.ring[this.next % this.capacity] = r;
    this.next++;
  }

  /** Requests with `seq > since`, oldest first (at most `capacity`). */
  since(since = 0): RecentRequest[] {
    const out: RecentRequest[] = [];
    const first = Math.max(since + 1, this.next - this.capacity, 1);
    for (let s = first; s < this.next; s++) out.push(this.ring[s % this.capacity]!);
    return out;
  }

  /** One request by its seq, while it is still in the ring. */
  get(seq: number): RecentRequest | undefined {
    if (!(seq >= 1 && seq < this.next && seq >= this.next - this.capacity)) return undefined;
    return this.ring[seq % this.capacity];
  }

  get lastSeq(): number {
    return this.next - 1;
  }
}

export function recentOf(s: RequestSummary): RecentRequest {
  const ctx = s.ctx;
  const usage = s.usage;
  return {
    seq: 0,
    at: Date.now(),
    method: ctx.down.method,
    path: ctx.path,
    route: ctx.route?.key ?? null,
    backend: ctx.upstream.backend?.name ?? ctx.mcp?.backendName ?? null,
    model: s.responseModel ?? s.requestModel ?? null,
    status: s.status,
    client: clientOf(s),
    inputTokens: usage?.inputTokens ?? null,
    cachedTokens: usage?.cacheReadTokens ?? null,
    outputTokens: usage?.outputTokens ?? null,
    costUsd: s.cost ?? null,
    priced: s.lookup === undefined ? null : s.cost !== undefined,
    latencyMs: round(s.durationS * 1000),
    ttftMs: s.ttftS !== undefined ? round(s.ttftS * 1000) : null,
    phases: phasesOf(s),
    retries: ctx.upstream.attempt,
    reason: s.reason,
    errorCode: s.code ?? null,
    error: s.error ?? null,
    guard: ctx.llm.guardActions === null ? [] : [...ctx.llm.guardActions],
  };
}

/** Differences of the monotonic marks the pipeline took anyway (plus two reads in the upstream call). */
function phasesOf(s: RequestSummary): RequestPhases {
  const { startNs, upstreamStartNs: sent, upstreamConnectedNs: connected, upstreamHeadersNs: head, firstTokenNs } = s.ctx.timings;
  return {
    gatewayMs: msBetween(startNs, sent),
    connectMs: msBetween(sent, connected),
    firstByteMs: msBetween(sent, head),
    firstTokenMs: msBetween(startNs, firstTokenNs),
    streamMs: msBetween(head, s.endNs),
  };
}

function msBetween(from: bigint | undefined, to: bigint | undefined): number | null {
  return from === undefined || to === undefined ? null : round(Number(to - from) / 1e6);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
