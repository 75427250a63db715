// The embedded store's file: what a crash can leave (a torn last line) is dropped, damage
// anywhere else refuses to open, compaction keeps what is logged while it runs, and the lock
// keeps a second owner out.
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../../src/keys/embedded-store.js';
import { encodeRecord, StoreFileError } from '../../../src/keys/log-file.js';
import { createKey } from '../../../src/keys/records.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'agw-log-')), 'keys.db');
const scopes = [{ scope: 'key:a', budgets: [] }];

async function spent(s: EmbeddedStore): Promise<number> {
  return (await s.scopeState(['key:a'])).get('key:a')?.spend?.total.tokens ?? 0;
}

describe('embedded store file', () => {
  it('replays keys and spend after a reopen', async () => {
    const path = file();
    const s = EmbeddedStore.open({ path });
    const { record } = createKey({ name: 'k' }, { source: 'api' });
    await s.putKey(record);
    s.settle(null, scopes, { usd: 0.5, tokens: 7 });
    s.settle(null, scopes, { usd: 0.25, tokens: 3 });
    await s.close();
    const again = EmbeddedStore.open({ path });
    expect(again.findKey(record.digest)?.id).toBe(record.id);
    expect(await spent(again)).toBe(10);
    expect((await again.scopeState(['key:a'])).get('key:a')?.spend?.requests).toBe(2);
    await again.close();
  });

  it('drops a torn last line (a crash mid-write) and goes on appending after it', async () => {
    const path = file();
    const s = EmbeddedStore.open({ path });
    s.settle(null, scopes, { usd: 0, tokens: 5 });
    await s.close();
    appendFileSync(path, encodeRecord({ t: 'spend', d: '2099-01-01', m: '2099-01', c: [['key:a', 0, 1000]] }).slice(0, 30));
    const again = EmbeddedStore.open({ path });
    expect(again.tornTail).toBe(true);
    expect(await spent(again)).toBe(5);
    again.settle(null, scopes, { usd: 0, tokens: 1 });
    await again.close();
    const third = EmbeddedStore.open({ path });
    expect(third.tornTail).toBe(false);
    expect(await spent(third)).toBe(6);
    await third.close();
  });

  it('refuses to open a file damaged before its last line, and leaves it as it is', async () => {
    const path = file();
    const good = encodeRecord({ t: 'spend', d: '2025-01-01', m: '2025-01', c: [['key:a', 0, 1]] });
    const bad = good.replace('"key:a",0,1', '"key:a",0,9');
    writeFileSync(path, good + bad + good);
    expect(() => EmbeddedStore.open({ path })).toThrow(/line 2 is damaged/);
    expect(readFileSync(path, 'utf8')).toBe(good + bad + good);
  });

  it('compacts into one snapshot, keeping what was logged while it ran', async () => {
    const path = file();
    const s = EmbeddedStore.open({ path, compactBytes: 1 << 30 });
    for (let i = 0; i < 100; i++) s.settle(null, scopes, { usd: 0, tokens: 1 });
    await new Promise((r) => setImmediate(r));
    const compaction = s.compactNow();
    s.settle(null, scopes, { usd: 0, tokens: 1000 }); // logged during the compaction
    await compaction;
    await s.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines[0]).toContain('"t":"snapshot"');
    expect(lines.length).toBeLessThanOrEqual(2);
    const again = EmbeddedStore.open({ path });
    expect(await spent(again)).toBe(1100);
    await again.close();
  });

  it('compacts by itself past compactBytes', async () => {
    const path = file();
    const s = EmbeddedStore.open({ path, compactBytes: 2000 });
    for (let i = 0; i < 200; i++) {
      s.settle(null, scopes, { usd: 0, tokens: 1 });
      await new Promise((r) => setImmediate(r));
    }
    await s.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines[0]).toContain('"t":"snapshot"');
    expect(lines.length).toBeLessThan(200);
    const again = EmbeddedStore.open({ path });
    expect(await spent(again)).toBe(200);
    await again.close();
  });

  it('belongs to one owner: a live lock holder refuses a second store; a dead one is taken over', async () => {
    const path = file();
    const s = EmbeddedStore.open({ path });
    expect(() => EmbeddedStore.open({ path })).toThrow(StoreFileError);
    await s.close();
    writeFileSync(`${path}.lock`, '1'); // pid 1 is alive: another owner
    expect(() => EmbeddedStore.open({ path })).toThrow(/in use by another process \(pid 1/);
    writeFileSync(`${path}.lock`, '999999999'); // no such process: left by a kill -9
    const t = EmbeddedStore.open({ path });
    await t.close();
  });
});
