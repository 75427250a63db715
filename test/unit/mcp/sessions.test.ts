// Session TTL: idle sessions are closed; a request in flight or an open stream is not idleness.
import { describe, expect, it } from 'vitest';
import { Namer } from '../../../src/mcp/names.js';
import { InflightCall } from '../../../src/mcp/session.js';
import { SessionStore } from '../../../src/mcp/sessions.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sink = { open: true, send: () => {} };

describe('SessionStore', () => {
  it('closes a session idle for longer than the TTL, not one with a request in flight', async () => {
    const store = new SessionStore([], new Namer([], 'conditional'), 200);
    const idle = store.create();
    store.register(idle);
    const busy = store.create();
    const call = new InflightCall(1, sink);
    busy.track(call); // e.g. an initialize that takes longer than the TTL
    store.register(busy);
    await sleep(450);
    expect(store.get(idle.id)).toBeUndefined();
    expect(idle.closed).toBe(true);
    expect(store.get(busy.id)).toBe(busy);
    busy.untrack(call); // the request ended: idle from now on
    await sleep(150);
    expect(store.get(busy.id)).toBe(busy);
    await sleep(350);
    expect(store.get(busy.id)).toBeUndefined();
    await store.dispose();
  });

  it('keeps a session whose event stream is open', async () => {
    const store = new SessionStore([], new Namer([], 'conditional'), 100);
    const s = store.create();
    store.register(s);
    s.streamOpened();
    await sleep(300);
    expect(store.get(s.id)).toBe(s);
    s.streamClosed();
    await sleep(300);
    expect(store.get(s.id)).toBeUndefined();
    await store.dispose();
  });
});
