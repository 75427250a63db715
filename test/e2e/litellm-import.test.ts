// `agentgateway import --from litellm` on the migration guide's own litellm/litellm-config.yaml
// (test/fixtures/litellm, verbatim) and on a larger LiteLLM config using every key the importer
// maps and some it cannot: the CLI's output is checked, validated with --validate-only, started,
// and driven with the OpenAI SDK using LiteLLM's model names and master key, each request
// reaching the right (TLS mock) provider with the right model.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess, runCli } from '../helpers/gateway-process.js';
import { sendJson } from '../helpers/mock-upstream.js';
import { ANTHROPIC_TEXT, OPENAI_TEXT } from '../helpers/provider-formats.js';
import { freePort, movePorts } from '../helpers/ports.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';

const GUIDE = 'test/fixtures/litellm/litellm-config.yaml';
const FULL = 'test/fixtures/litellm/full-config.yaml';
const MASTER_KEY = 'sk-litellm-master-key-1234';
const ENV = {
  OPENAI_API_KEY: 'sk-openai-upstream-secret',
  ANTHROPIC_API_KEY: 'sk-ant-upstream-secret',
  LITELLM_MASTER_KEY: MASTER_KEY,
};
const dir = mkdtempSync(join(tmpdir(), 'agw-litellm-'));
const mocks = useProviderMocks();
/** Where the imported config (LiteLLM's port 4000) is served: its port moved to a free one. */
const PORT = await freePort();

describe('the guide’s litellm-config.yaml', () => {
  let gw: GatewayProcess;
  let out: string;

  beforeAll(async () => {
    const r = await runCli(['import', '--from', 'litellm', '-f', GUIDE]);
    expect(r.code).toBe(0);
    out = join(dir, 'agentgateway.yaml');
    writeFileSync(out, r.stdout);
    const served = join(dir, 'served.yaml');
    writeFileSync(served, movePorts(r.stdout, { 4000: PORT }));
    gw = await GatewayProcess.start({ args: ['-f', served, ...mocks.args()], env: ENV });
  });
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
    for (const secret of Object.values(ENV)) expect(gw.output).not.toContain(secret);
  });

  it('lists what it could not map on stderr, with the source line and what to do instead', async () => {
    const r = await runCli(['import', '--from', 'litellm', '-f', GUIDE]);
    expect(r.stderr).toContain(
      `${GUIDE}:25:3: general_settings.database_url: not imported: no equivalent. Instead: the gateway keeps its configuration`,
    );
    expect(r.stderr).toContain(`${GUIDE}:26:3: general_settings.store_model_in_db: not imported`);
    expect(r.stderr).toMatch(/imported 4 model\(s\), 0 virtual model\(s\); 2 finding\(s\) above\n$/);
    // the output says the same at its end, as comments
    expect(r.stdout).toContain(`# - ${GUIDE}:25:3: general_settings.database_url: not imported`);
  });

  it('its output passes --validate-only', async () => {
    const r = await runCli(['--validate-only', '-f', out], ENV);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('llm: 4 model(s), 0 virtual model(s)');
  });

  it('configs/from-litellm/agentgateway.yaml is this import, unchanged', () => {
    const committed = readFileSync('configs/from-litellm/agentgateway.yaml', 'utf8');
    expect(readFileSync(out, 'utf8').replaceAll(GUIDE, 'litellm/litellm-config.yaml')).toBe(committed);
  });

  for (const [model, provider, upstreamModel] of [
    ['gpt-4o', 'openai', 'gpt-4o'],
    ['gpt-4o-mini', 'openai', 'gpt-4o-mini'],
    ['claude-sonnet', 'anthropic', 'claude-sonnet-4-20250514'],
    ['claude-haiku', 'anthropic', 'claude-haiku-4-5-20251001'],
  ] as const) {
    it(`${model}: the OpenAI SDK with the master key reaches ${provider} as ${upstreamModel}`, async () => {
      // LiteLLM's clients use the server root as well as /v1
      for (const baseURL of [`http://127.0.0.1:${PORT}`, `http://127.0.0.1:${PORT}/v1`]) {
        const client = new OpenAI({ baseURL, apiKey: MASTER_KEY, maxRetries: 0 });
        const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 50 });
        expect(r.choices[0]!.message.content).toBe(provider === 'openai' ? OPENAI_TEXT : ANTHROPIC_TEXT);
        const mock = provider === 'openai' ? mocks.openai : mocks.anthropic;
        const up = mock.last;
        expect(up.json.model).toBe(upstreamModel);
        expect(up.path).toBe(provider === 'openai' ? '/v1/chat/completions' : '/v1/messages');
        if (provider === 'openai') expect(up.headers.authorization).toBe(`Bearer ${ENV.OPENAI_API_KEY}`);
        else expect(up.headers['x-api-key']).toBe(ENV.ANTHROPIC_API_KEY);
        expect(JSON.stringify(up.headers)).not.toContain(MASTER_KEY);
      }
      const other = provider === 'openai' ? mocks.anthropic : mocks.openai;
      expect(other.requests).toHaveLength(0);
    });
  }

  it('streams, and lists the models, as LiteLLM did', async () => {
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${PORT}`, apiKey: MASTER_KEY, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'claude-haiku',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe(ANTHROPIC_TEXT);
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['gpt-4o', 'gpt-4o-mini', 'claude-sonnet', 'claude-haiku']);
  });

  it('without the master key: 401', async () => {
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/v1`, apiKey: 'sk-not-the-master-key', maxRetries: 0 });
    const e = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(mocks.openai.requests).toHaveLength(0);
  });
});

describe('a larger LiteLLM config', () => {
  let gw: GatewayProcess;
  let r: Awaited<ReturnType<typeof runCli>>;
  const env = { ...ENV, OPENAI_API_KEY_2: 'sk-openai-second-secret', GROQ_API_KEY: 'gsk-groq-secret' };

  beforeAll(async () => {
    r = await runCli(['import', '--from', 'litellm', '-f', FULL, '-o', join(dir, 'full.yaml')]);
    const served = join(dir, 'full-served.yaml');
    writeFileSync(served, movePorts(readFileSync(join(dir, 'full.yaml'), 'utf8'), { 4000: PORT }));
    gw = await GatewayProcess.start({ args: ['-f', served, ...mocks.args()], env });
  });
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
  });

  it('reports every setting it cannot map, at its line, and writes no secret of the source', () => {
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n');
    const findings = lines.filter((l) => l.startsWith(`${FULL}:`)).map((l) => l.split(': ')[1]);
    expect(findings).toEqual([
      'model_list[0].litellm_params.rpm',
      'model_list[0].litellm_params.tpm',
      'model_list[0].litellm_params.timeout',
      'model_list[0].litellm_params.max_retries',
      'model_list[1].litellm_params.rpm',
      'model_list[1].litellm_params.timeout',
      'model_list[1].litellm_params.max_retries',
      'model_list[2].model_info',
      'model_list[3].litellm_params.drop_params',
      'model_list[3].litellm_params.rpm',
      'model_list[3].litellm_params.tpm',
      'model_list[7].litellm_params.model',
      'router_settings.redis_host',
      'router_settings.cooldown_time',
      'litellm_settings.drop_params',
      'litellm_settings.default_fallbacks',
      'litellm_settings.success_callback',
      'litellm_settings.cache',
      'litellm_settings.max_budget',
      'litellm_settings.budget_duration',
      'general_settings.database_url',
      'general_settings.alerting',
      'environment_variables',
      'team_settings',
    ]);
    expect(r.stderr).toContain(`${FULL}:55:7: model_list[7].litellm_params.model: not imported: provider "vertex_ai" is not served`);
    expect(lines.at(-1)).toBe(`imported 7 model(s), 5 virtual model(s); 24 finding(s) above; wrote ${join(dir, 'full.yaml')}`);
    // claude-haiku's own limits do not count the traffic it serves as everyone's fallback
    expect(lines.filter((l) => l.startsWith('warning:'))).toEqual([
      'warning: llm.models[3] ("claude-haiku"): its guardrails, localRateLimit and authorization do not apply when failover virtual model(s) gpt-4o, claude-sonnet, llama-3.1-8b, local-qwen, gpt-4 reach it; set them in llm.policies',
    ]);
    const written = readFileSync(join(dir, 'full.yaml'), 'utf8');
    for (const secret of [MASTER_KEY, 'pk-lf-secret-value', 'litellm:litellm@db']) {
      expect(written).not.toContain(secret);
      expect(r.output).not.toContain(secret);
    }
  });

  it('the master key, stored as a hash, still admits clients', async () => {
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
    const m = await client.chat.completions.create({ model: 'claude-haiku', messages: [{ role: 'user', content: 'Hello' }] });
    expect(m.choices[0]!.message.content).toBe(ANTHROPIC_TEXT);
    expect(mocks.anthropic.last.json.model).toBe('claude-haiku-4-5-20251001');
  });

  it('fallbacks: claude-sonnet fails over to gpt-4o’s deployments, with its defaults', async () => {
    mocks.anthropic.handler = (_req, res) =>
      sendJson(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const client = new Anthropic({ baseURL: `http://127.0.0.1:${PORT}`, apiKey: MASTER_KEY, maxRetries: 0 });
    const m = await client.messages.create({ model: 'claude-sonnet', max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] });
    expect(m.content[0]).toMatchObject({ text: OPENAI_TEXT });
    expect(mocks.anthropic.last.json).toMatchObject({ model: 'claude-sonnet-4-20250514', max_tokens: 50 });
    expect(['gpt-4o', 'gpt-4o-2024-08-06']).toContain(mocks.openai.last.json.model);
  });

  it('wildcards and model aliases', async () => {
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
    await client.chat.completions.create({ model: 'anthropic/claude-opus-4-1', messages: [{ role: 'user', content: 'Hi' }] });
    expect(mocks.anthropic.last.json.model).toBe('claude-opus-4-1');
    await client.chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'Hi' }] });
    expect(['gpt-4o', 'gpt-4o-2024-08-06']).toContain(mocks.openai.last.json.model);
  });

  it('rpm: the default fallback model answers 429 past its per-minute requests', async () => {
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
    let limited: unknown;
    for (let i = 0; i < 101 && limited === undefined; i++) {
      await client.chat.completions
        .create({ model: 'claude-haiku', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 1 })
        .catch((e: unknown) => (limited = e));
    }
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
  });
});
