// The last few hundred requests, kept in memory for the admin UI's live request list and the
// passive health shown per backend. Fed by finish() once per request; off (one branch per
// request) unless the admin server is running. Holds no bodies, headers or query strings:
// nothing a client sent as a credential can end up here.
import type { ObservedRequest } from './summary.js';

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
  inputTokens: number | null;
  /** Of the input tokens, those the provider read from its prompt cache (when it says). */
  cachedTokens: number | null;
  outputTokens: number | null;
  latencyMs: number;
  /** Time to first token (streamed LLM responses). */
  ttftMs: number | null;
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

  record(ctx: ObservedRequest): void {
    const now = process.hrtime.bigint();
    const r: RecentRequest = {
      seq: this.next,
      at: Date.now(),
      method: ctx.down.method,
      path: ctx.path,
      route: ctx.route?.key ?? null,
      backend: ctx.backend?.name ?? ctx.mcp?.backendName ?? null,
      model: ctx.responseModel ?? ctx.upstreamModel ?? ctx.requestModel ?? null,
      status: ctx.down.aborted && ctx.status === 0 ? 499 : ctx.status,
      inputTokens: ctx.tokens?.inputTokens ?? null,
      cachedTokens: ctx.tokens?.cacheReadTokens ?? null,
      outputTokens: ctx.tokens?.outputTokens ?? null,
      latencyMs: round(Number(now - ctx.startNs) / 1e6),
      ttftMs: ctx.firstTokenNs !== undefined ? round(Number(ctx.firstTokenNs - ctx.startNs) / 1e6) : null,
    };
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

  get lastSeq(): number {
    return this.next - 1;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
