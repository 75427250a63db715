// One suite, both stores (the embedded file store and the Redis store against a real
// redis-server): the same budget rules, the same answers, so a fleet behaves like one gateway.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../../src/keys/embedded-store.js';
import { createKey, revokeKey, teamRecord } from '../../../src/keys/records.js';
import { RedisStore } from '../../../src/keys/redis-store.js';
import { StaleRecord, type KeyStore } from '../../../src/keys/store.js';
import type { Admission, Budget, ChargedScope, SoftCrossing } from '../../../src/keys/types.js';
import { RedisServer } from '../../helpers/redis-server.js';
import { freePort } from '../../helpers/ports.js';

const REDIS_PORT = await freePort();
let redis: RedisServer;
let n = 0;

beforeAll(async () => {
  redis = await RedisServer.start(REDIS_PORT);
});
afterAll(async () => {
  await redis.stop();
});

/** Opens a fresh store; `now` is the clock of its budget windows. */
const implementations: [string, (now?: () => number, admissionWaitMs?: number) => Promise<KeyStore>][] = [
  [
    'embedded',
    async (now, admissionWaitMs) =>
      EmbeddedStore.open({ path: join(mkdtempSync(join(tmpdir(), 'agw-store-')), 'keys.db'), now, admissionWaitMs }),
  ],
  [
    'redis',
    async (now, admissionWaitMs) => {
      const s = new RedisStore({ url: `redis://127.0.0.1:${REDIS_PORT}`, namespace: `t${++n}-${Date.now()}`, now, admissionWaitMs });
      await s.ready(5000);
      return s;
    },
  ],
];

const tokens = (limit: number, extra: Partial<Budget> = {}): Budget => ({ unit: 'tokens', period: 'daily', limit, ...extra });
const scope = (name: string, budgets: Budget[]): ChargedScope => ({ scope: `key:${name}`, budgets });
const amount = (t: number, usd = 0) => ({ usd, tokens: t });

async function admitted(p: Admission | Promise<Admission>) {
  const a = await p;
  if (!a.ok) throw new Error(`refused: ${JSON.stringify(a.exhausted)}`);
  return a.reservation;
}

async function spentTokens(store: KeyStore, s: string): Promise<number> {
  const st = (await store.scopeState([s])).get(s);
  return st?.spend?.day.tokens ?? 0;
}

/** Whether an admission is still waiting 100 ms on (Redis answers well within that). */
async function pending(p: Promise<Admission>): Promise<boolean> {
  const waiting = Symbol('waiting');
  return (await Promise.race([p, new Promise((r) => setTimeout(() => r(waiting), 100))])) === waiting;
}

/** Settlement is asynchronous with Redis: wait until the spend shows. */
async function eventually(fn: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(implementations)('%s store', (_name, open) => {
  it('grants the estimate; one that does not fit waits for those in flight, then takes what is left; refuses only when nothing is left', async () => {
    const store = await open();
    const s = [scope('a', [tokens(100)])];
    const r1 = await admitted(store.admit({ scopes: s, estimate: amount(60), records: [] }));
    expect(r1.held.tokens).toBe(60);
    // 40 left, 60 wanted, and r1 may give some back: the second request waits for it...
    const p2 = Promise.resolve(store.admit({ scopes: s, estimate: amount(60), records: [] }));
    expect(await pending(p2)).toBe(true);
    store.settle(r1, s, amount(50));
    // ...then takes the 50 left: nothing else is in flight, so no other request can stack on it.
    const r2 = await admitted(p2);
    expect(r2.held.tokens).toBe(50);
    const refused = await store.admit({ scopes: s, estimate: amount(1), records: [] });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.exhausted.budget.limit).toBe(100);
    // settling with less than held gives the rest back
    store.settle(r2, s, amount(10));
    await eventually(async () => (await spentTokens(store, 'key:a')) === 60);
    const r3 = await admitted(store.admit({ scopes: s, estimate: amount(500), records: [] }));
    expect(r3.held.tokens).toBe(40);
    await store.close();
  });

  it('a request that waited long enough takes what is left', async () => {
    const store = await open(undefined, 100);
    const s = [scope('w', [tokens(100)])];
    const r1 = await admitted(store.admit({ scopes: s, estimate: amount(70), records: [] }));
    const r2 = await admitted(store.admit({ scopes: s, estimate: amount(60), records: [] })); // r1 never settles
    expect(r2.held.tokens).toBe(30);
    store.settle(r1, s, amount(0));
    store.settle(r2, s, amount(0));
    await store.close();
  });

  it('a budget spent exactly is exhausted; the next request is refused', async () => {
    const store = await open();
    const s = [scope('b', [tokens(50)])];
    const r = await admitted(store.admit({ scopes: s, estimate: amount(50), records: [] }));
    store.settle(r, s, amount(50));
    await eventually(async () => (await spentTokens(store, 'key:b')) === 50);
    expect((await store.admit({ scopes: s, estimate: amount(1), records: [] })).ok).toBe(false);
    await store.close();
  });

  it('daily and monthly budgets start afresh in the next UTC window; a total one never does', async () => {
    let clock = Date.UTC(2026, 0, 30, 23, 59);
    const store = await open(() => clock);
    const daily = [scope('daily', [tokens(10)])];
    const monthly = [scope('monthly', [tokens(10, { period: 'monthly' })])];
    const total = [scope('total', [tokens(10, { period: 'total' })])];
    /** A one-token probe; what it was granted goes back. */
    const refused = async (s: ChargedScope[]) => {
      const a = await store.admit({ scopes: s, estimate: amount(1), records: [] });
      if (a.ok) store.settle(a.reservation, s, amount(0));
      return !a.ok;
    };
    for (const s of [daily, monthly, total]) {
      store.settle(await admitted(store.admit({ scopes: s, estimate: amount(10), records: [] })), s, amount(10));
      await eventually(() => refused(s));
    }
    clock = Date.UTC(2026, 0, 31, 0, 1); // the next day, the same month
    expect([await refused(daily), await refused(monthly), await refused(total)]).toEqual([false, true, true]);
    clock = Date.UTC(2026, 1, 1, 0, 1); // the next month
    expect([await refused(daily), await refused(monthly), await refused(total)]).toEqual([false, false, true]);
    const st = (await store.scopeState(['key:total'])).get('key:total')!;
    expect(st.spend!.total.tokens).toBe(10);
    await store.close();
  });

  it('concurrent admissions never hold more than the budget, and only one takes its tail', async () => {
    const store = await open();
    const s = [scope('c', [tokens(1000)])];
    const all = Array.from({ length: 50 }, () => Promise.resolve(store.admit({ scopes: s, estimate: amount(30), records: [] })));
    const first = (await Promise.all(all.map(async (p) => ((await pending(p)) ? null : await admitted(p))))).filter((r) => r !== null);
    expect(first).toHaveLength(33); // 33 × 30 fit; the others wait for them
    expect(first.reduce((t, r) => t + r.held.tokens, 0)).toBe(990);
    for (const r of first) store.settle(r, s, amount(30));
    const results = await Promise.all(all);
    const late = results.filter((a) => a.ok).slice(33);
    expect(results.filter((a) => a.ok)).toHaveLength(34); // 33 × 30 + one that takes the last 10
    expect(late.map((a) => (a.ok ? a.reservation.held.tokens : 0))).toEqual([10]);
    await store.close();
  });

  it('extends a reservation while the budget lasts', async () => {
    const store = await open();
    const s = [scope('d', [tokens(100)])];
    const r = await admitted(store.admit({ scopes: s, estimate: amount(40), records: [] }));
    expect((await store.extend(r, amount(50))).tokens).toBe(50);
    expect((await store.extend(r, amount(50))).tokens).toBe(10);
    expect((await store.extend(r, amount(50))).tokens).toBe(0);
    store.settle(r, s, amount(100));
    await eventually(async () => (await spentTokens(store, 'key:d')) === 100);
    const st = (await store.scopeState(['key:d'])).get('key:d')!;
    expect(st.reserved.tokens).toBe(0);
    await store.close();
  });

  it('a team budget binds every key of the team', async () => {
    const store = await open();
    const team: ChargedScope = { scope: 'team:t', budgets: [{ unit: 'usd', period: 'monthly', limit: 1 }] };
    const k1 = [scope('e1', []), team];
    const k2 = [scope('e2', []), team];
    const r = await admitted(store.admit({ scopes: k1, estimate: amount(10, 0.6), records: [] }));
    store.settle(r, k1, amount(10, 1));
    await eventually(async () => ((await store.scopeState(['team:t'])).get('team:t')?.spend?.month.usd ?? 0) === 1);
    const refused = await store.admit({ scopes: k2, estimate: amount(1, 0.01), records: [] });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.exhausted.scope).toBe('team:t');
    await store.close();
  });

  it('reports a soft limit once, when it is crossed', async () => {
    const store = await open();
    const crossed: SoftCrossing[] = [];
    store.onSoftLimit = (c) => crossed.push(c);
    const s = [scope('f', [tokens(1000, { soft: 100 })])];
    for (const t of [60, 60, 60]) store.settle(null, s, amount(t));
    await eventually(async () => (await spentTokens(store, 'key:f')) === 180);
    expect(crossed).toHaveLength(1);
    expect(crossed[0]!.spent).toBe(120);
    await store.close();
  });

  it('keeps keys by digest; a rotation drops the old digest; a revocation is seen', async () => {
    const store = await open();
    const { record } = createKey({ name: 'k', team: 'x', budgets: [tokens(5)] }, { source: 'api' });
    await store.putKey(record);
    const found = await store.findKey(record.digest);
    expect(found?.id).toBe(record.id);
    expect(found?.budgets).toEqual([tokens(5)]);
    const rotated = { ...record, digest: 'f'.repeat(64), version: record.version + 1 };
    await store.putKey(rotated);
    expect(await store.findKey(record.digest)).toBeUndefined();
    expect((await store.findKey(rotated.digest))?.id).toBe(record.id);
    await store.putKey(revokeKey(rotated));
    expect((await store.getKey(record.id))?.revokedAt).toBeDefined();
    await store.putTeam(teamRecord('x', { budgets: [tokens(9)] }, undefined, 'api'));
    expect((await store.listTeams()).map((t) => t.name)).toEqual(['x']);
    expect((await store.listKeys()).map((k) => k.id)).toEqual([record.id]);
    await store.close();
  });

  it('imports spend into the periods it was spent in', async () => {
    const store = await open();
    await store.importSpend('key:g', amount(0, 3.5), { day: false, month: true });
    const st = (await store.scopeState(['key:g'])).get('key:g')!;
    expect(st.spend!.total.usd).toBe(3.5);
    expect(st.spend!.month.usd).toBe(3.5);
    expect(st.spend!.day.usd).toBe(0);
    await store.close();
  });
});

describe('redis store', () => {
  it('refuses an admission made with a record another replica changed (StaleRecord)', async () => {
    const a = new RedisStore({ url: `redis://127.0.0.1:${REDIS_PORT}`, namespace: 'stale' });
    const b = new RedisStore({ url: `redis://127.0.0.1:${REDIS_PORT}`, namespace: 'stale' });
    await Promise.all([a.ready(5000), b.ready(5000)]);
    const { record } = createKey({ name: 'k' }, { source: 'api' });
    await a.putKey(record);
    const cached = (await b.findKey(record.digest))!;
    await a.putKey(revokeKey(cached));
    const s = [scope(record.id, [])];
    await expect(
      b.admit({ scopes: s, estimate: amount(1), records: [{ kind: 'key', id: record.id, version: cached.version }] }),
    ).rejects.toBeInstanceOf(StaleRecord);
    expect((await b.findKey(record.digest))?.revokedAt).toBeDefined();
    await Promise.all([a.close(), b.close()]);
  });
});
