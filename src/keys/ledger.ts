// Budget arithmetic in one process: spend per scope and the amounts reserved by requests in
// flight. The embedded store runs it (each call is synchronous, so two requests can never both
// take the last of a budget); the Redis store runs the same rules in Lua (redis-scripts.ts).
//
// A request is admitted while every hard budget of its key and team has something left
// (spent + reserved < limit). It then holds a grant: its estimate, or what is left when that is
// less and no other request holds part of the budget (else it waits for them: see admit). Requests in flight can never hold more than a budget has left, so concurrent requests
// do not double-spend; a stream whose real usage outgrows its grant asks for more (extend) and
// is cut when there is none. Settling replaces the grant with the real usage.
import { addSpend, emptySpend, spentIn } from './periods.js';
import type { Admission, Amount, Budget, ChargedScope, Reservation, Scope, ScopeSpend, SoftCrossing, Windows } from './types.js';

/** USD amounts below this are rounding, not money (a budget spent to the cent is spent). */
export const USD_EPSILON = 1e-9;

interface Hold {
  readonly id: string;
  readonly scopes: readonly ChargedScope[];
  held: Amount;
}

/** The ledger's answer to a request that should wait for requests in flight to settle. */
export const SHORT = Symbol('short');

export class Ledger {
  readonly spend = new Map<Scope, ScopeSpend>();
  private readonly reserved = new Map<Scope, Amount>();
  private readonly holds = new Map<string, Hold>();
  private seq = 0;

  /**
   * Admits a request or refuses it (a hard budget has nothing left). With `mayWait`, a request
   * whose estimate is more than a budget has left while other requests hold part of that budget
   * gets SHORT instead of a partial grant: the caller waits for those to settle (most release
   * part of what they hold) and asks again. Only a request that finds nothing else in flight (or
   * has waited long enough) takes the tail of a budget, so concurrent requests never stack partial
   * grants, each able to overshoot by its whole answer.
   */
  admit(scopes: readonly ChargedScope[], estimate: Amount, w: Windows, mayWait = false): Admission | typeof SHORT {
    for (const c of scopes) {
      for (const b of c.budgets) {
        if (b.limit === undefined) continue;
        const left = this.headroom(c.scope, b, w);
        if (left <= epsilon(b)) return { ok: false, exhausted: { scope: c.scope, budget: b, spent: b.limit - left } };
      }
    }
    const grant = { usd: estimate.usd, tokens: estimate.tokens };
    for (const c of scopes) {
      for (const b of c.budgets) {
        if (b.limit === undefined) continue;
        const left = this.headroom(c.scope, b, w);
        if (left >= grant[b.unit]) continue;
        if (mayWait && (this.reserved.get(c.scope)?.[b.unit] ?? 0) > epsilon(b)) return SHORT;
        grant[b.unit] = left;
      }
    }
    const hold: Hold = { id: String(++this.seq), scopes, held: grant };
    this.holds.set(hold.id, hold);
    for (const c of scopes) add(this.reservedOf(c.scope), grant, 1);
    return { ok: true, reservation: hold };
  }

  /** Grows a reservation by up to `want`; returns what was granted (less when a budget runs out). */
  extend(r: Reservation, want: Amount, w: Windows): Amount {
    const hold = this.holds.get(r.id);
    if (hold === undefined) return { usd: 0, tokens: 0 };
    const grant = { usd: Math.max(0, want.usd), tokens: Math.max(0, want.tokens) };
    for (const c of hold.scopes) {
      for (const b of c.budgets) {
        if (b.limit === undefined) continue;
        const left = Math.max(0, this.headroom(c.scope, b, w));
        if (left < grant[b.unit]) grant[b.unit] = left <= epsilon(b) ? 0 : left;
      }
    }
    hold.held = { usd: hold.held.usd + grant.usd, tokens: hold.held.tokens + grant.tokens };
    for (const c of hold.scopes) add(this.reservedOf(c.scope), grant, 1);
    return grant;
  }

  /**
   * Releases the reservation (if any) and charges `actual` to every scope, in windows `w`.
   * Returns the soft limits this charge crossed.
   */
  settle(r: Reservation | null, scopes: readonly ChargedScope[], actual: Amount, w: Windows): SoftCrossing[] {
    const hold = r === null ? undefined : this.holds.get(r.id);
    if (hold !== undefined) {
      this.holds.delete(hold.id);
      for (const c of hold.scopes) add(this.reservedOf(c.scope), hold.held, -1);
    }
    return this.charge(scopes, actual, w, 1);
  }

  /** Adds spend (a settled request, a replayed log record, imported spend); returns soft crossings. */
  charge(scopes: readonly ChargedScope[], actual: Amount, w: Windows, requests: number): SoftCrossing[] {
    const crossed: SoftCrossing[] = [];
    for (const c of scopes) {
      let s = this.spend.get(c.scope);
      if (s === undefined) this.spend.set(c.scope, (s = emptySpend(w)));
      const before = c.budgets.map((b) => spentIn(s, b.period, w)[b.unit]);
      addSpend(s, actual, w, requests);
      c.budgets.forEach((b, i) => {
        if (b.soft === undefined) return;
        const after = spentIn(s, b.period, w)[b.unit];
        if (before[i]! < b.soft && after >= b.soft) crossed.push({ scope: c.scope, budget: b, spent: after });
      });
    }
    return crossed;
  }

  /** Amount reserved by requests in flight for a scope (for the admin API). */
  reservedFor(scope: Scope): Amount {
    return this.reserved.get(scope) ?? { usd: 0, tokens: 0 };
  }

  get inFlight(): number {
    return this.holds.size;
  }

  private headroom(scope: Scope, b: Budget, w: Windows): number {
    return b.limit! - spentIn(this.spend.get(scope), b.period, w)[b.unit] - (this.reserved.get(scope)?.[b.unit] ?? 0);
  }

  private reservedOf(scope: Scope): Amount {
    let a = this.reserved.get(scope);
    if (a === undefined) this.reserved.set(scope, (a = { usd: 0, tokens: 0 }));
    return a;
  }
}

function epsilon(b: Budget): number {
  return b.unit === 'usd' ? USD_EPSILON : 0;
}

function add(into: Amount, a: Amount, sign: 1 | -1): void {
  into.usd = Math.max(0, into.usd + sign * a.usd);
  into.tokens = Math.max(0, into.tokens + sign * a.tokens);
}
