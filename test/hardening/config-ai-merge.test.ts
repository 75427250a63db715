// Route-level `policies.ai` in the shape every example config uses (guard and shaping on the
// route, route types and more on the backend) through the real gateway: both layers act, field
// by field, and the admin API shows which layer each field in force came from.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, configFile } from '../helpers/admin-client.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { plainMock } from '../helpers/traffic.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const ADMIN = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;
let up: MockUpstream;
let gw: GatewayProcess;

beforeAll(async () => {
  up = await plainMock();
  const file = configFile(`binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: chat
      policies:
        ai:
          promptGuard:
            request:
            - regex: {action: reject, rules: [{pattern: "(?i)drop\\\\s+table"}]}
              rejection: {status: 400, body: "SQL is not allowed"}
          prompts:
            prepend: [{role: system, content: "Answer briefly."}]
          defaults: {temperature: 0.2}
      backends:
      - ai:
          name: openai
          provider: {openAI: {}}
          hostOverride: "127.0.0.1:${up.port}"
          policies:
            ai:
              routes: {/v1/chat/completions: completions, /v1/messages: messages}
              modelAliases: {fast: gpt-4o-mini}
              overrides: {max_tokens: 64}
`);
  gw = await GatewayProcess.start({
    args: ['-f', file],
    env: { ADMIN_ADDR: `127.0.0.1:${ADMIN}`, STATS_ADDR: 'off', READINESS_ADDR: 'off' },
  });
});
afterAll(async () => {
  expect(await gw?.stop()).toBe(0);
  await up?.close();
});
afterEach(() => up.reset());

const openai = new OpenAI({ baseURL: `${BASE}/v1`, apiKey: 'k', maxRetries: 0 });

describe('route and backend policies.ai together', () => {
  it("the route's prompt guard rejects, in the caller's dialect, and nothing goes upstream", async () => {
    const err = (await openai.chat.completions
      .create({ model: 'fast', messages: [{ role: 'user', content: 'please DROP TABLE users' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toMatch(/SQL is not allowed/);
    const anthropic = new Anthropic({ baseURL: BASE, apiKey: 'k', maxRetries: 0 });
    const aerr = (await anthropic.messages
      .create({ model: 'fast', max_tokens: 5, messages: [{ role: 'user', content: 'drop table t' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(aerr).toBeInstanceOf(Anthropic.BadRequestError);
    expect(up.requests).toHaveLength(0);
  });

  it("a clean prompt gets the route's prompts and defaults and the backend's alias and overrides", async () => {
    const r = await openai.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hello' }] });
    expect(r.choices[0]!.message.role).toBe('assistant');
    expect(up.last.json).toMatchObject({
      model: 'gpt-4o-mini',
      temperature: 0.2,
      max_tokens: 64,
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'hello' },
      ],
    });
  });

  it('the admin API shows the policy in force and where each field came from', async () => {
    const rt = await new AdminClient(`http://127.0.0.1:${ADMIN}`).runtime();
    const backend = rt.binds[0].listeners[0].routes[0].backends[0];
    const route = 'binds[0].listeners[0].routes[0].policies.ai';
    const provider = 'binds[0].listeners[0].routes[0].backends[0].ai.policies.ai';
    expect(backend.ai.from).toEqual({
      promptGuard: route,
      prompts: route,
      defaults: route,
      routes: provider,
      modelAliases: provider,
      overrides: provider,
    });
    expect(backend.ai.policy.promptGuard.request[0].regex.action).toBe('reject');
    expect(backend.ai.policy.modelAliases).toEqual({ fast: 'gpt-4o-mini' });
    expect(rt.lastReload.warnings).toEqual([]);
  });
});
