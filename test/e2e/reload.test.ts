// Hot reload through the real gateway process: the file is edited in place, replaced by
// rename, broken and fixed, and grows and loses bind ports, while clients keep calling it.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, configFile, managementEnv, replaceByRename } from '../helpers/admin-client.js';
import { GatewayProcess, useDefaultWorkers } from '../helpers/gateway-process.js';
import { MockUpstream, sendJson } from '../helpers/mock-upstream.js';
import { freePort } from '../helpers/ports.js';

// What a user gets: no --workers flag, so every CPU (test/helpers/gateway-process.ts).
useDefaultWorkers();

const DATA = await freePort();
const EXTRA = await freePort();
const TAKEN = await freePort();
const ADMIN = await freePort();
const READY = await freePort();
/** Only ever written into a config's startup settings, never listened on. */
const UNUSED_ADMIN = await freePort();

const SLOW = 'old one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen';

interface Shape {
  response?: string;
  tokensPerSecond?: number;
  extraPort?: boolean;
  extraText?: string;
  upstream?: number;
  adminAddr?: string;
}

function yaml(s: Shape): string {
  const mock = `{response: "${s.response ?? 'first'}"${s.tokensPerSecond ? `, tokensPerSecond: ${s.tokensPerSecond}` : ''}}`;
  const proxy = s.upstream
    ? `
    - name: proxy
      matches: [{path: {pathPrefix: /proxy}}]
      policies:
        backendAuth: {key: {file: upstream.key}}
      backends: [{host: "127.0.0.1:${s.upstream}"}]`
    : '';
  const extra = s.extraPort
    ? `
- port: ${EXTRA}
  listeners:
  - routes:
    - backends: [{ai: {name: extra, provider: {mock: {response: "${s.extraText ?? 'extra port'}"}}}}]`
    : '';
  return `${s.adminAddr ? `config:\n  adminAddr: ${s.adminAddr}\n` : ''}binds:
- port: ${DATA}
  listeners:
  - routes:
    - name: chat
      matches: [{path: {pathPrefix: /v1}}]
      backends: [{ai: {name: chat, provider: {mock: ${mock}}}}]${proxy}${extra}
`;
}

async function ask(port: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await r.json()) as any;
  if (r.status !== 200) throw new Error(`${r.status} ${JSON.stringify(body)}`);
  return body.choices[0].message.content;
}

describe('hot reload', () => {
  let gw: GatewayProcess;
  let file: string;
  let upstream: MockUpstream;
  const admin = new AdminClient(`http://127.0.0.1:${ADMIN}`);
  let version = 1;

  /** Writes the file and waits for the reload it causes. */
  async function save(text: string, how: 'write' | 'rename' = 'write'): Promise<any> {
    if (how === 'write') writeFileSync(file, text);
    else replaceByRename(file, text);
    return admin.waitForVersion(++version);
  }

  beforeAll(async () => {
    upstream = await MockUpstream.start({ tls: false });
    upstream.handler = (req, res) => sendJson(res, 200, { authorization: req.headers.authorization, socket: res.socket?.remotePort });
    file = configFile(yaml({}));
    writeFileSync(join(dirname(file), 'upstream.key'), 'key-one');
    gw = await GatewayProcess.start({ args: ['-f', file], env: managementEnv(ADMIN, READY) });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('a route change applies to the next request while a stream in flight finishes on the old config', async () => {
    await save(yaml({ response: SLOW, tokensPerSecond: 5 }));
    const openai = new OpenAI({ baseURL: `http://127.0.0.1:${DATA}/v1`, apiKey: 'unused', maxRetries: 0 });
    const stream = await openai.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const iter = stream[Symbol.asyncIterator]();
    let streamed = ((await iter.next()).value as OpenAI.ChatCompletionChunk).choices[0]?.delta?.content ?? '';

    const rt = await save(yaml({ response: 'second' }));
    expect(await ask(DATA)).toBe('second');
    // the stream was still running (on the old snapshot) when the new config took over
    expect(rt.binds[0].inflight).toBe(1);
    for (let n = await iter.next(); !n.done; n = await iter.next())
      streamed += (n.value as OpenAI.ChatCompletionChunk).choices[0]?.delta?.content ?? '';
    expect(streamed).toBe(SLOW);
    expect(await ask(DATA)).toBe('second');
  });

  it('follows a file replaced by rename, save after save', async () => {
    await save(yaml({ response: 'renamed once' }), 'rename');
    expect(await ask(DATA)).toBe('renamed once');
    await save(yaml({ response: 'renamed twice' }), 'rename');
    expect(await ask(DATA)).toBe('renamed twice');
  });

  it('an invalid file keeps the old config serving, shows the positioned error, and the next good save recovers', async () => {
    const before = (await admin.runtime()).reloads.failures;
    writeFileSync(file, yaml({ response: 'never served' }).replace('provider: {mock:', 'provider: {mokc:'));
    const rt = await admin.waitForFailure(before);
    expect(rt.synchronized).toBe(false);
    expect(rt.version).toBe(version);
    expect(rt.lastReload).toMatchObject({ ok: false, trigger: 'file', file });
    expect(rt.lastReload.problems[0]).toMatchObject({
      path: 'binds[0].listeners[0].routes[0].backends[0].ai.provider.mokc',
      line: 7,
      message: 'unknown key "mokc" (did you mean "mock"?)',
    });
    expect(rt.lastReload.error).toContain(`${file}:7:`);
    expect(await ask(DATA)).toBe('renamed twice');
    await gw.waitFor('config reload failed; still serving version');
    expect(gw.output).toContain('unknown key "mokc"');

    const fixed = await save(yaml({ response: 'recovered' }));
    expect(fixed.synchronized).toBe(true);
    expect(await ask(DATA)).toBe('recovered');
  });

  it('opens a port added to the config and closes one removed from it', async () => {
    await save(yaml({ response: 'main', extraPort: true }));
    expect(await ask(EXTRA)).toBe('extra port');
    expect(await ask(DATA)).toBe('main');
    await save(yaml({ response: 'main again' }));
    await expect(fetch(`http://127.0.0.1:${EXTRA}/v1/models`)).rejects.toThrow();
    expect(await ask(DATA)).toBe('main again');
    const ready = await fetch(`http://127.0.0.1:${READY}/healthz/ready`);
    expect(ready.status).toBe(200);
  });

  it('a new port that cannot be bound rejects the reload and changes nothing', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(TAKEN, '0.0.0.0', r));
    try {
      const before = (await admin.runtime()).reloads.failures;
      writeFileSync(file, yaml({ response: 'not applied', extraPort: true }).replaceAll(`port: ${EXTRA}`, `port: ${TAKEN}`));
      const rt = await admin.waitForFailure(before);
      expect(rt.lastReload.error).toContain(`cannot listen on port ${TAKEN}`);
      expect(await ask(DATA)).toBe('main again');
      await save(yaml({ response: 'after the blocked port' }));
      expect(await ask(DATA)).toBe('after the blocked port');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('reloads when a referenced file changes, keeping the warm upstream pool', async () => {
    await save(yaml({ response: 'x', upstream: upstream.port }));
    const call = async () => (await (await fetch(`http://127.0.0.1:${DATA}/proxy/anything`)).json()) as any;
    const first = await call();
    expect(first.authorization).toBe('Bearer key-one');
    writeFileSync(join(dirname(file), 'upstream.key'), 'key-two');
    await admin.waitForVersion(++version);
    const second = await call();
    expect(second.authorization).toBe('Bearer key-two');
    // same pool, same keep-alive connection: live state carried over the reload
    expect(second.socket).toBe(first.socket);
    const rt = await admin.runtime();
    expect(rt.watchedFiles).toContain(join(dirname(file), 'upstream.key'));
    const pool = rt.liveState.find((e: any) => e.id === `http://127.0.0.1:${upstream.port}::pool`);
    expect(pool.status.connected).toBe(1);
  });

  it('drops the pool of an upstream no longer referenced', async () => {
    await save(yaml({ response: 'no proxy' }));
    const rt = await admin.runtime();
    expect(rt.liveState.filter((e: any) => e.id.endsWith('::pool'))).toEqual([]);
  });

  it('says that startup settings need a restart', async () => {
    await save(yaml({ response: 'with config section', adminAddr: `127.0.0.1:${UNUSED_ADMIN}` }));
    await gw.waitFor('config.adminAddr changed: startup settings take effect after a restart');
    expect(await ask(DATA)).toBe('with config section');
    expect((await admin.runtime()).lastReload.warnings).toEqual([expect.stringContaining('config.adminAddr changed')]);
  });

  it('a save that changes nothing is not a reload', async () => {
    const rt = await admin.runtime();
    writeFileSync(file, yaml({ response: 'with config section', adminAddr: `127.0.0.1:${UNUSED_ADMIN}` }));
    await new Promise((r) => setTimeout(r, 1000)); // past the watcher's quiet period
    expect((await admin.runtime()).version).toBe(rt.version);
    await save(yaml({ response: 'final' }));
    const after = await admin.runtime();
    expect(after.reloads.successes).toBe(rt.reloads.successes + 1);
    expect(await ask(DATA)).toBe('final');
  });
});
