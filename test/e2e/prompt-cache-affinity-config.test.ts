// configs/prompt-cache-affinity.yaml as written (bind port moved), served by the real CLI: the
// vLLM replicas (mock deployments with their own prefix caches, reached with --connect-to) keep
// each agent session on one replica, and the Anthropic SDK sees the cached tokens; the Claude
// route adds cache_control breakpoints to what the clients send, in both client formats.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSession, AGENT_SYSTEM, AGENT_TOOLS, deploymentOf } from '../helpers/agent-sessions.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { MockUpstream } from '../helpers/mock-upstream.js';
import { onFreePorts } from '../helpers/ports.js';
import { PrefixCache, prefixCacheHandler } from '../helpers/prefix-cache.js';
import { plainMock } from '../helpers/traffic.js';

const config = await onFreePorts('configs/prompt-cache-affinity.yaml');
const PORT = config.port(3000);
const REPLICAS = ['vllm-0', 'vllm-1', 'vllm-2'];
let replicas: { mock: MockUpstream; cache: PrefixCache }[];
let anthropic: MockUpstream;
let gw: GatewayProcess;

beforeAll(async () => {
  replicas = await Promise.all(
    REPLICAS.map(async (n) => {
      const cache = new PrefixCache(n);
      const mock = await plainMock();
      mock.handler = prefixCacheHandler(cache);
      return { mock, cache };
    }),
  );
  anthropic = await MockUpstream.start();
  const connect = replicas.flatMap((r, i) => ['--connect-to', `${REPLICAS[i]}:8000:127.0.0.1:${r.mock.port}`]);
  gw = await GatewayProcess.start({
    args: ['-f', config.file, ...connect, '--connect-to', `api.anthropic.com:443:127.0.0.1:${anthropic.port}`],
    env: { ANTHROPIC_API_KEY: 'sk-ant-gateway' },
  });
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
  await Promise.all([...replicas.map((r) => r.mock.close()), anthropic.close()]);
});

describe('configs/prompt-cache-affinity.yaml', () => {
  it('keeps each agent session on one vLLM replica; from the second turn its prompt is read from the cache', async () => {
    const client = new Anthropic({ baseURL: `http://127.0.0.1:${PORT}/agents`, apiKey: 'unused', maxRetries: 0 });
    const sessions = Array.from({ length: 9 }, (_, i) => new AgentSession(100 + i));
    const where = new Map<number, Set<string>>();
    for (let turn = 0; turn < 3; turn++) {
      for (const s of sessions) {
        const r = await client.messages.create(s.body() as never);
        const text = (r.content[0] as { text: string }).text;
        s.record(text);
        if (!where.has(s.id)) where.set(s.id, new Set());
        where.get(s.id)!.add(deploymentOf(text));
        // translated from the replica's OpenAI usage: prompt_tokens_details.cached_tokens
        if (turn === 0)
          expect(r.usage.cache_read_input_tokens ?? 0).toBeLessThan(r.usage.input_tokens + (r.usage.cache_read_input_tokens ?? 0));
        else expect(r.usage.cache_read_input_tokens).toBeGreaterThan(0);
      }
    }
    for (const replicasOfSession of where.values()) expect(replicasOfSession.size).toBe(1);
    // the replicas received OpenAI chat completions with the configured model
    const served = replicas.filter((r) => r.mock.requests.length > 0);
    expect(served.length).toBeGreaterThanOrEqual(2);
    expect(served[0]!.mock.last.json.model).toBe('qwen3-coder');
  });

  it('the Claude route marks the tools, the system prompt and the conversation for caching', async () => {
    const long = `${AGENT_SYSTEM}${'Context about the repository layout and conventions. '.repeat(80)}`;
    // tools come first in the prompt: with a repository map they alone pass minTokens
    const tools = [...AGENT_TOOLS, { ...AGENT_TOOLS[0]!, name: 'repo_map', description: 'src/parser.ts: the parser. '.repeat(160) }];
    const messages = [
      { role: 'user' as const, content: 'fix the parser' },
      { role: 'assistant' as const, content: 'Which file?' },
      { role: 'user' as const, content: 'src/parser.ts' },
    ];
    const viaMessages = new Anthropic({ baseURL: `http://127.0.0.1:${PORT}/claude`, apiKey: 'unused', maxRetries: 0 });
    await viaMessages.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, system: long, tools, messages });
    const sent = anthropic.last.json;
    expect(anthropic.last.headers['x-api-key']).toBe('sk-ant-gateway');
    expect(sent.tools.at(-1)).toMatchObject({ name: 'repo_map', cache_control: { type: 'ephemeral' } });
    expect(sent.tools[0].cache_control).toBeUndefined();
    expect(sent.system).toEqual([{ type: 'text', text: long, cache_control: { type: 'ephemeral' } }]);
    expect(sent.messages[1].content).toEqual([{ type: 'text', text: 'Which file?', cache_control: { type: 'ephemeral' } }]);
    expect(sent.messages[2].content).toBe('src/parser.ts');

    // an OpenAI client's request is translated to Messages, then marked the same way
    const viaChat = new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/claude/v1`, apiKey: 'unused', maxRetries: 0 });
    await viaChat.chat.completions.create({ model: 'claude-sonnet-4-6', messages: [{ role: 'system', content: long }, ...messages] });
    const translated = anthropic.last.json;
    expect(translated.system.at(-1).cache_control).toEqual({ type: 'ephemeral' });
    expect(JSON.stringify(translated.messages[1])).toContain('"cache_control":{"type":"ephemeral"}');

    // below minTokens (1024 tokens, about 4096 characters) nothing is marked
    await viaMessages.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, system: 'Be brief.', messages });
    expect(JSON.stringify(anthropic.last.json)).not.toContain('cache_control');
  });
});
