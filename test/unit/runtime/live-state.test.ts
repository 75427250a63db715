import { describe, expect, it } from 'vitest';
import { LiveState, specHash } from '../../../src/runtime/live-state.js';

class Thing {
  closed = 0;
  constructor(readonly label: string) {}
  close(): void {
    this.closed++;
  }
  liveStatus() {
    return { label: this.label };
  }
}

function compileWith(
  live: LiveState,
  specs: Record<string, unknown>,
): { scope: ReturnType<LiveState['begin']>; things: Map<string, Thing> } {
  const scope = live.begin();
  const things = new Map<string, Thing>();
  for (const [id, spec] of Object.entries(specs))
    things.set(
      id,
      scope.get(id, spec, () => new Thing(`${id}:${JSON.stringify(spec)}`)),
    );
  return { scope, things };
}

describe('LiveState', () => {
  it('hands the same object back across commits when the spec is unchanged (key order does not matter)', () => {
    const live = new LiveState();
    const a = compileWith(live, { bucket: { rate: 10, burst: 5 } });
    a.scope.commit();
    const b = compileWith(live, { bucket: { burst: 5, rate: 10 } });
    b.scope.commit();
    expect(b.things.get('bucket')).toBe(a.things.get('bucket'));
    expect(a.things.get('bucket')!.closed).toBe(0);
  });

  it('a changed spec starts fresh; the old object is disposed only once the new snapshot commits', () => {
    const live = new LiveState();
    const a = compileWith(live, { bucket: { rate: 10 } });
    a.scope.commit();
    const b = compileWith(live, { bucket: { rate: 20 } });
    const old = a.things.get('bucket')!;
    expect(b.things.get('bucket')).not.toBe(old);
    expect(old.closed).toBe(0); // the serving snapshot still uses it
    b.scope.commit();
    expect(old.closed).toBe(1);
    expect(b.things.get('bucket')!.closed).toBe(0);
  });

  it('an aborted compile disposes only what it created and keeps the serving objects', () => {
    const live = new LiveState();
    const a = compileWith(live, { kept: 1, changed: 'x' });
    a.scope.commit();
    const failed = compileWith(live, { kept: 1, changed: 'y', added: true });
    failed.scope.abort();
    expect(failed.things.get('kept')).toBe(a.things.get('kept'));
    expect(a.things.get('kept')!.closed).toBe(0);
    expect(a.things.get('changed')!.closed).toBe(0);
    expect(failed.things.get('changed')!.closed).toBe(1);
    expect(failed.things.get('added')!.closed).toBe(1);
    // the next good compile still finds the serving object
    const c = compileWith(live, { kept: 1, changed: 'x' });
    c.scope.commit();
    expect(c.things.get('changed')).toBe(a.things.get('changed'));
  });

  it('objects no longer referenced are disposed on commit; describe() lists what serves', () => {
    const live = new LiveState();
    compileWith(live, { a: 1, b: 2 }).scope.commit();
    const next = compileWith(live, { a: 1 });
    next.scope.commit();
    expect(live.describe()).toEqual([{ id: 'a', status: { label: 'a:1' } }]);
    expect(live.size).toBe(1);
  });

  it('one id with two specs in one snapshot yields two objects', () => {
    const live = new LiveState();
    const scope = live.begin();
    const x = scope.get('https://h:443::pool', 'ca1', () => new Thing('1'));
    const y = scope.get('https://h:443::pool', 'ca2', () => new Thing('2'));
    scope.commit();
    expect(x).not.toBe(y);
    expect(live.describe().map((e) => e.id)).toEqual(['https://h:443::pool', 'https://h:443::pool']);
  });

  it('uses custom dispose and status callbacks, and closeAll disposes everything', async () => {
    const live = new LiveState();
    const disposed: string[] = [];
    const scope = live.begin();
    scope.get('x', 1, () => ({ n: 1 }), { dispose: () => void disposed.push('x'), status: (v) => ({ n: v.n }) });
    scope.commit();
    expect(live.describe()).toEqual([{ id: 'x', status: { n: 1 } }]);
    await live.closeAll();
    expect(disposed).toEqual(['x']);
    expect(live.size).toBe(0);
  });

  it('refuses interleaved scopes and use of a closed scope', () => {
    const live = new LiveState();
    const scope = live.begin();
    expect(() => live.begin()).toThrow(/already open/);
    scope.abort();
    expect(() => scope.get('a', 1, () => 1)).toThrow(/closed/);
    expect(() => live.begin().commit()).not.toThrow();
  });

  it('specHash is stable, order-insensitive and does not contain the spec', () => {
    expect(specHash({ a: 1, b: 'sk-secret' })).toBe(specHash({ b: 'sk-secret', a: 1 }));
    expect(specHash({ a: 1 })).not.toBe(specHash({ a: 2 }));
    expect(specHash({ b: 'sk-secret' })).not.toContain('secret');
  });
});

describe('LiveState retirement after a reload', () => {
  const tick = () => new Promise((r) => setTimeout(r, 0));
  function gate(): { promise: Promise<void>; open: () => void } {
    let open!: () => void;
    const promise = new Promise<void>((r) => (open = r));
    return { promise, open };
  }

  it('disposes what the new snapshot dropped only when the older requests are done', async () => {
    const live = new LiveState();
    const a = compileWith(live, { pool: 1 });
    a.scope.commit();
    const b = compileWith(live, { other: 1 });
    const older = gate();
    b.scope.commit(older.promise);
    await tick();
    expect(a.things.get('pool')!.closed).toBe(0);
    older.open();
    await tick();
    expect(a.things.get('pool')!.closed).toBe(1);
  });

  it('a later compile takes a retiring object back; a dry run hands it back to retirement', async () => {
    const live = new LiveState();
    const a = compileWith(live, { pool: 1 });
    a.scope.commit();
    const older = gate();
    compileWith(live, {}).scope.commit(older.promise);
    const dry = compileWith(live, { pool: 1 });
    expect(dry.things.get('pool')).toBe(a.things.get('pool'));
    dry.scope.abort();
    await tick();
    expect(a.things.get('pool')!.closed).toBe(0); // still used by the older snapshot's requests
    const revert = compileWith(live, { pool: 1 });
    revert.scope.commit();
    older.open();
    await tick();
    expect(a.things.get('pool')!.closed).toBe(0); // serving again
    expect(live.describe().map((e) => e.id)).toEqual(['pool']);
  });
});

describe('LiveState retirement, retired twice', () => {
  const tick = () => new Promise((r) => setTimeout(r, 0));
  it('an object retired, revived and retired again waits for the second retirement', async () => {
    const live = new LiveState();
    const a = compileWith(live, { pool: 1 });
    a.scope.commit();
    let openFirst!: () => void;
    let openSecond!: () => void;
    compileWith(live, {}).scope.commit(new Promise<void>((r) => (openFirst = r)));
    compileWith(live, { pool: 1 }).scope.commit(new Promise<void>(() => {})); // revived
    compileWith(live, {}).scope.commit(new Promise<void>((r) => (openSecond = r)));
    openFirst(); // the first retirement's requests are done, but the second's are not
    await tick();
    expect(a.things.get('pool')!.closed).toBe(0);
    openSecond();
    await tick();
    expect(a.things.get('pool')!.closed).toBe(1);
  });
});
