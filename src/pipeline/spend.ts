// Budgets and spend of a request made with a virtual key (the keys: section), once its model is
// known and just before it goes upstream:
// - admission: the key's and its team's rate limits, the cost cap, then a reservation of the
//   estimate against every hard budget (refused with a 429 only when a budget has nothing left);
// - while a stream runs, its output is metered: when it outgrows its reservation it asks the
//   store for more, and a stream the budget cannot cover is cut with an error event in the
//   client's dialect (llm-response.ts);
// - at the end (finish, whatever happened: answered, cut, failed, client gone) the reservation
//   is settled with the real usage, or with what was metered when the provider's usage never
//   came, priced like the metrics' cost.
import { GatewayError } from '../errors.js';
import { periodEndMs } from '../keys/periods.js';
import { StaleRecord, StoreUnavailable } from '../keys/store.js';
import type { Admission, Amount, Exhausted, Reservation } from '../keys/types.js';
import type { Json } from '../llm/convert/types.js';
import type { ApiFormat } from '../llm/convert/types.js';
import { OutputMeter } from '../llm/stream/output-meter.js';
import { o200k, o200kNow } from '../llm/tokens.js';
import { costOf, type Rates } from '../observability/cost.js';
import type { KeyCharge } from '../observability/summary.js';
import { CHALLENGE, keyRefusal, type VirtualKeyHit, type VirtualKeyIdentity } from '../policies/virtual-keys.js';
import type { AiGroupsRt } from '../runtime/snapshot.js';
import type { RequestCtx } from './context.js';
import { capOf, estimate, fmt, MAX_COST_HEADER, outputTokensOf, type Estimate } from './spend-estimate.js';

/** What a request was charged (access log, metrics). */
export type Charge = KeyCharge;

/** Tokens asked for beyond what a stream needs right now, so it does not ask on every chunk. */
const EXTEND_STEP_TOKENS = 256;

/**
 * Admits a virtual-key request (no-op for other requests): rate limits, cap, reservation. `g` and
 * `body` are the AI backend and the parsed chat body when there is one.
 */
export function admitKey(ctx: RequestCtx, g: AiGroupsRt | null, body: Json | null): void | Promise<void> {
  const hit = ctx.apiKey?.virtualKey;
  if (hit === undefined) return;
  const limited = hit.keys.limiter.admit(ctx, hit.limits);
  if (limited instanceof Promise) return limited.then(() => reserve(ctx, hit, g, body), storeFailure);
  return reserve(ctx, hit, g, body);
}

function reserve(ctx: RequestCtx, hit: VirtualKeyHit, g: AiGroupsRt | null, body: Json | null): void | Promise<void> {
  const provider = g?.groups[0]?.[0]?.provider.name;
  const model = ctx.llm.upstreamModel ?? ctx.requestModel;
  const rates = provider !== undefined ? ctx.snapshot.observability.catalog.lookup(provider, undefined, model).rates : undefined;
  const chat = g !== null && body !== null;
  if (chat && hit.usdLimited && rates === undefined && hit.keys.settings.unpricedModels === 'refuse') {
    throw new GatewayError(
      'model_unpriced',
      `model "${model}" (provider ${provider}) has no price, so the USD budget or cost cap of this key cannot be enforced; add it to config.modelCatalog, or set keys.unpricedModels: free`,
    );
  }
  const cap = chat ? capOf(hit, ctx.header(MAX_COST_HEADER)) : undefined;
  const output = chat ? outputTokensOf(body, hit.keys.settings.typicalOutputTokens) : 0;
  const est = chat ? estimate(body, output, rates, cap, hit.hardLimited) : null;
  const warm = hit.budgeted && o200kNow() === null ? o200k() : null; // streams are metered with it
  // A plain HTTP route costs nothing: budgets do not refuse it (its key's rate limits still
  // apply). With Redis, every admission also checks in Redis that the cached key is still
  // current, so a key revoked through another replica stops here on its next request.
  const budgets = g !== null && hit.hardLimited;
  const admits = budgets || (hit.keys.store.kind === 'redis' && hit.records.length > 0);
  const next = (e: Estimate | null) => {
    if (!admits) return void start(ctx, hit, null, e);
    const amount = e?.amount ?? { usd: 0, tokens: 0 };
    return admitIn(ctx, hit, amount, budgets, 0, (r) => start(ctx, hit, r, e));
  };
  if (est instanceof Promise || warm !== null) return Promise.all([est, warm]).then(([e]) => next(e));
  return next(est);
}

/** The store's admission; a record another replica changed is read again, once. */
function admitIn(
  ctx: RequestCtx,
  hit: VirtualKeyHit,
  amount: Amount,
  budgets: boolean,
  tries: number,
  then: (r: Reservation) => void,
): void | Promise<void> {
  let res: Admission | Promise<Admission>;
  const scopes = budgets ? hit.scopes : hit.scopes.map((s) => ({ scope: s.scope, budgets: [] }));
  try {
    res = hit.keys.store.admit({ scopes, estimate: amount, records: hit.records });
  } catch (e) {
    return storeFailure(e);
  }
  const decide = (a: Admission) => {
    if (!a.ok) throw budgetRejection(ctx, a.exhausted, hit);
    then(a.reservation);
  };
  if (!(res instanceof Promise)) return decide(res);
  return res.then(decide, async (e: unknown) => {
    if (!(e instanceof StaleRecord) || tries > 0) return storeFailure(e);
    const fresh = (await hit.keys.find(hit.key.digest)) as VirtualKeyIdentity | undefined;
    if (fresh === undefined)
      throw new GatewayError('api_key_invalid', 'API key authentication failed: invalid API key', { headers: CHALLENGE });
    const refusal = keyRefusal(fresh.virtualKey.key, Date.now());
    if (refusal !== null) throw refusal;
    ctx.apiKey = fresh;
    return admitIn(ctx, fresh.virtualKey, amount, budgets, tries + 1, then);
  });
}

function storeFailure(e: unknown): never {
  if (e instanceof StoreUnavailable)
    throw new GatewayError('keys_store_unavailable', 'the keys store did not answer; the request was not sent');
  throw e;
}

function start(ctx: RequestCtx, hit: VirtualKeyHit, r: Reservation | null, e: Estimate | null): void {
  const t = new SpendTracker(ctx, hit, r, e);
  ctx.llm.spend = t;
  ctx.onFinish(() => t.settle());
}

/**
 * A request refused (or a stream cut) because a hard budget has nothing left: a 429 the SDKs do
 * not retry (x-should-retry: false), Retry-After when the period ends. The budget is noted on the
 * request for the metrics.
 */
export function budgetRejection(ctx: RequestCtx, x: Exhausted, hit: VirtualKeyHit): GatewayError {
  ctx.limits.budgetRefusal = x;
  const kind = x.scope.slice(0, x.scope.indexOf(':'));
  const name = kind === 'key' ? hit.key.name : x.scope.slice(x.scope.indexOf(':') + 1);
  const money = (n: number) => (x.budget.unit === 'usd' ? `$${fmt(n)}` : `${Math.round(n)} tokens`);
  const end = periodEndMs(x.budget.period, Date.now());
  const resets = end === null ? '' : ` (resets ${new Date(end).toISOString()})`;
  const headers: [string, string][] = [['x-should-retry', 'false']];
  if (end !== null) headers.push(['retry-after', String(Math.ceil((end - Date.now()) / 1000))]);
  return new GatewayError(
    'budget_exhausted',
    `budget exhausted: ${kind} "${name}" has used ${money(x.spent)} of its ${x.budget.period} limit of ${money(x.budget.limit!)}${resets}`,
    { headers },
  );
}

/** One request's reservation, stream meter and settlement. */
export class SpendTracker {
  private meter: OutputMeter | null = null;
  private held: Amount;
  private rates: Rates | undefined | null = null;
  private extending = false;
  /** The budget could not cover what the stream produced: it is cut at the next chunk. */
  private exhausted: Exhausted | null = null;
  private readonly hardUnits: ReadonlySet<'usd' | 'tokens'>;

  constructor(
    private readonly ctx: RequestCtx,
    readonly hit: VirtualKeyHit,
    private readonly reservation: Reservation | null,
    private readonly est: Estimate | null,
  ) {
    this.held = reservation?.held ?? { usd: 0, tokens: 0 };
    this.hardUnits = new Set(hit.scopes.flatMap((s) => s.budgets.filter((b) => b.limit !== undefined).map((b) => b.unit)));
  }

  /**
   * Meters an upstream stream chunk (provider format); false when the stream must be cut: its
   * output outgrew the reservation and the budget has nothing more.
   */
  allows(chunk: Uint8Array, format: ApiFormat): boolean {
    if (!this.hit.budgeted) return true;
    if (this.meter === null) {
      const count = o200kNow();
      if (count === null) return true;
      this.meter = new OutputMeter(format, count);
    }
    const out = this.meter.push(chunk);
    if (this.reservation === null) return true;
    if (this.exhausted !== null) return false;
    const need = this.over(out);
    if (need === null || this.extending) return true;
    const step = this.cost(0, EXTEND_STEP_TOKENS);
    const got = this.hit.keys.store.extend(this.reservation, { usd: need.usd + step.usd, tokens: need.tokens + step.tokens });
    if (!(got instanceof Promise)) return this.granted(got, need);
    this.extending = true;
    got
      .then(
        (g) => this.granted(g, need),
        () => {},
      )
      .finally(() => (this.extending = false));
    return true;
  }

  /** The budget error a cut stream ends with. */
  get cutError(): GatewayError {
    return budgetRejection(this.ctx, this.exhausted!, this.hit);
  }

  private granted(g: Amount, need: Amount): boolean {
    this.held = { usd: this.held.usd + g.usd, tokens: this.held.tokens + g.tokens };
    for (const u of this.hardUnits) {
      if (g[u] + 1e-12 < need[u]) {
        const s = this.hit.scopes.find((sc) => sc.budgets.some((b) => b.unit === u && b.limit !== undefined))!;
        const b = s.budgets.find((bb) => bb.unit === u && bb.limit !== undefined)!;
        this.exhausted = { scope: s.scope, budget: b, spent: b.limit! };
        return false;
      }
    }
    return true;
  }

  /** What the running stream has used beyond its reservation (hard units only), or null. */
  private over(outputTokens: number): Amount | null {
    const used = this.cost(this.inputTokens(), outputTokens);
    const need = { usd: Math.max(0, used.usd - this.held.usd), tokens: Math.max(0, used.tokens - this.held.tokens) };
    for (const u of this.hardUnits) if (need[u] > 0) return need;
    return null;
  }

  private inputTokens(): number {
    return this.ctx.llm.usage.current?.inputTokens || this.est?.inputTokens || 0;
  }

  private cost(input: number, output: number): Amount {
    const r = this.priceOf();
    return { usd: r === undefined ? 0 : input * r.input + output * r.output, tokens: input + output };
  }

  /** Rates of the provider and model that answered (as the metrics price them). */
  private priceOf(): Rates | undefined {
    if (this.rates !== null) return this.rates;
    const ctx = this.ctx;
    const b = ctx.aiBackend;
    const model = ctx.llm.upstreamModel ?? ctx.requestModel;
    this.rates = b === null ? undefined : ctx.snapshot.observability.catalog.lookup(b.provider.name, ctx.llm.responseModel, model).rates;
    return this.rates;
  }

  /** Releases the reservation and charges what the request used (finish hook, exactly once). */
  settle(): void {
    const ctx = this.ctx;
    const actual = this.actual();
    this.hit.keys.store.settle(this.reservation, this.hit.scopes, actual.amount);
    ctx.llm.charge = {
      key: this.hit.key.name,
      team: this.hit.key.team,
      usd: actual.amount.usd,
      tokens: actual.amount.tokens,
      estimated: actual.estimated,
    };
  }

  private actual(): { amount: Amount; estimated: boolean } {
    const ctx = this.ctx;
    const u = ctx.llm.tokens;
    const complete = ctx.error === undefined && !ctx.down.aborted;
    const r = this.priceOf();
    const price = (input: number, output: number): Amount => this.rated(input, output, u, r);
    if (u !== undefined && complete)
      return { amount: { usd: r === undefined ? 0 : costOf(u, r), tokens: u.inputTokens + u.outputTokens }, estimated: false };
    if (this.meter !== null) {
      // A stream that did not finish: what the provider reported, or at least what was metered.
      return {
        amount: price(u?.inputTokens || this.est?.inputTokens || 0, Math.max(u?.outputTokens ?? 0, this.meter.tokens)),
        estimated: true,
      };
    }
    if (u !== undefined)
      return { amount: { usd: r === undefined ? 0 : costOf(u, r), tokens: u.inputTokens + u.outputTokens }, estimated: false };
    // No usage: nothing was sent, the upstream refused it (not billed), or the client left
    // before the answer came (the provider bills it anyway: the estimate is charged).
    if (ctx.timings.upstreamStartNs === undefined || ctx.upstream.errored || ctx.status >= 400 || this.est === null) {
      return { amount: { usd: 0, tokens: 0 }, estimated: false };
    }
    return { amount: price(this.est.inputTokens, this.est.outputTokens), estimated: true };
  }

  private rated(input: number, output: number, u: { cacheReadTokens?: number } | undefined, r: Rates | undefined): Amount {
    if (r === undefined) return { usd: 0, tokens: input + output };
    return {
      usd: costOf(
        { inputTokens: input, outputTokens: output, ...(u?.cacheReadTokens !== undefined ? { cacheReadTokens: u.cacheReadTokens } : {}) },
        r,
      ),
      tokens: input + output,
    };
  }
}
