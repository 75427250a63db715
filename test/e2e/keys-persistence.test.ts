// The embedded store survives what processes go through: a restart (SIGTERM) and a kill -9
// right after a key was created and spend was charged. Keys, budgets and spend come back, a
// key created just before the kill still works, and the budget is still enforced.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { KeysAdmin, newDir, startKeysGateway } from '../helpers/keys.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { plainMock } from '../helpers/traffic.js';
import { freePort } from '../helpers/ports.js';

const LLM = await freePort();
const ADMIN = await freePort();
const admin = new KeysAdmin(ADMIN);
let mock: MockUpstream;
const dir = newDir();

beforeAll(async () => {
  mock = await plainMock();
});
afterAll(async () => {
  await mock.close();
});

const start = () => startKeysGateway({ llmPort: LLM, adminPort: ADMIN, mock, dir }).then((r) => r.gw);
const ask = (key: string) =>
  new OpenAI({ baseURL: `http://127.0.0.1:${LLM}/v1`, apiKey: key, maxRetries: 0 }).chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'Hello' }],
    max_tokens: 20,
  });

describe('the embedded store across restarts', () => {
  let secret: string;
  let id: string;

  it('keeps keys and spend over a clean restart', async () => {
    const gw = await start();
    ({ id, secret } = await admin.create({ name: 'durable', budgets: [{ unit: 'tokens', period: 'monthly', limit: 29 * 4 }] }));
    await ask(secret);
    expect(await gw.stop()).toBe(0);
    const again = await start();
    const k = await admin.key(id);
    expect(k.spend).toMatchObject({ requests: 1, total: { tokens: 29 } });
    await ask(secret);
    expect(await again.stop()).toBe(0);
  });

  it('keeps an acknowledged key and the spend charged before a kill -9', async () => {
    const gw = await start();
    await ask(secret); // 3 × 29 spent
    const created = await admin.create({ name: 'born-before-the-kill' }); // acknowledged: fsync'd
    gw.child.kill('SIGKILL');
    await gw.wait();
    const again = await start();
    expect((await admin.key(id)).spend).toMatchObject({ requests: 3, total: { tokens: 87 } });
    await ask(created.secret);
    // one more answer fits the budget (116 tokens), then it is exhausted, as before the kill
    await ask(secret);
    expect(await ask(secret).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.RateLimitError);
    expect((await admin.key(id)).budgets[0]).toMatchObject({ spent: 116, remaining: 0 });
    expect(await again.stop()).toBe(0);
  });

  it('a second gateway on the same store file is refused while the first runs', async () => {
    const gw = await start();
    const second = await GatewayProcess.start({
      args: ['-f', `${dir}/agentgateway.yaml`],
      env: { ADMIN_ADDR: 'off', STATS_ADDR: 'off', READINESS_ADDR: 'off' },
      readyText: 'invalid config',
    }).catch((e: Error) => e);
    expect(String(second instanceof Error ? second.message : second.output)).toMatch(
      /agentgateway-keys\.db is in use by another process \(pid \d+/,
    );
    expect(await gw.stop()).toBe(0);
  });
});
