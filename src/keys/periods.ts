// Budget periods are UTC calendar windows: a daily budget resets at 00:00 UTC, a monthly one on
// the 1st at 00:00 UTC, a total one never. Windows are named by their date (`2025-06-01`,
// `2025-06`), so two gateways (or a replay of the log) agree on where a charge falls.
import type { Amount, BudgetPeriod, ScopeSpend, Windows } from './types.js';

export function windowsAt(ms: number): Windows {
  const iso = new Date(ms).toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) };
}

/** When the period containing `ms` ends (null: never). */
export function periodEndMs(period: BudgetPeriod, ms: number): number | null {
  const d = new Date(ms);
  if (period === 'daily') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
  if (period === 'monthly') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return null;
}

export function emptySpend(w: Windows): ScopeSpend {
  return { total: { usd: 0, tokens: 0 }, day: { id: w.day, usd: 0, tokens: 0 }, month: { id: w.month, usd: 0, tokens: 0 }, requests: 0 };
}

/** The spend of a scope in the period's current window (a window that has passed counts zero). */
export function spentIn(s: ScopeSpend | undefined, period: BudgetPeriod, w: Windows): Amount {
  if (s === undefined) return ZERO;
  if (period === 'total') return s.total;
  if (period === 'daily') return s.day.id === w.day ? s.day : ZERO;
  return s.month.id === w.month ? s.month : ZERO;
}

const ZERO: Amount = Object.freeze({ usd: 0, tokens: 0 });

/**
 * Adds a charge made in windows `w`. A charge in a newer window starts that window afresh; one
 * from an older window (a log replayed out of order cannot happen, but clocks can step back)
 * counts in the lifetime total only.
 */
export function addSpend(s: ScopeSpend, amount: Amount, w: Windows, requests: number, only = BOTH): void {
  s.total.usd += amount.usd;
  s.total.tokens += amount.tokens;
  s.requests += requests;
  if (w.day > s.day.id) s.day = { id: w.day, usd: 0, tokens: 0 };
  if (w.day === s.day.id && only.day) {
    s.day.usd += amount.usd;
    s.day.tokens += amount.tokens;
  }
  if (w.month > s.month.id) s.month = { id: w.month, usd: 0, tokens: 0 };
  if (w.month === s.month.id && only.month) {
    s.month.usd += amount.usd;
    s.month.tokens += amount.tokens;
  }
}

const BOTH = { day: true, month: true };

/** LiteLLM's budget_duration ("30d", "1mo", "24h", ...) as one of our periods, when one fits. */
export function periodOfDuration(d: string | null | undefined): { period: BudgetPeriod; exact: boolean } {
  if (d === null || d === undefined || d.trim() === '') return { period: 'total', exact: true };
  const m = /^\s*(\d+)\s*(s|m|h|d|w|mo)\s*$/.exec(d);
  if (m === null) return { period: 'total', exact: false };
  const n = Number(m[1]);
  const hours = { s: 1 / 3600, m: 1 / 60, h: 1, d: 24, w: 168, mo: 720 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w' | 'mo'] * n;
  if (hours === 24) return { period: 'daily', exact: true };
  if ((m[2] === 'mo' && n === 1) || (m[2] === 'd' && (n === 30 || n === 31))) return { period: 'monthly', exact: m[2] === 'mo' };
  return { period: hours < 24 * 15 ? 'daily' : 'monthly', exact: false };
}
