// Session affinity through the real gateway, with the Anthropic SDK as the agent, against mock
// deployments that each simulate their own prompt cache (test/helpers/prefix-cache.ts): the
// cached-token ratio with pick-2 and with affinity side by side, a deployment removed by a
// reload moves only its sessions, an evicted one is avoided and its sessions move for good; and
// a weighted virtual model of the llm: section keeps each session on one target model.
import Anthropic from '@anthropic-ai/sdk';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AdminClient, configFile } from '../helpers/admin-client.js';
import { GatewayProcess, useDefaultWorkers } from '../helpers/gateway-process.js';
import { type MockUpstream, sendJson } from '../helpers/mock-upstream.js';
import { freePort } from '../helpers/ports.js';
import { PrefixCache, prefixCacheHandler } from '../helpers/prefix-cache.js';
import { scrape, type Sample, total } from '../helpers/prometheus.js';
import { plainMock } from '../helpers/traffic.js';
import { AgentSession, deploymentOf } from '../helpers/agent-sessions.js';

// What a user gets: no --workers flag, so every CPU (test/helpers/gateway-process.ts).
useDefaultWorkers();

const [PORT, ADMIN, STATS, LLM] = [await freePort(), await freePort(), await freePort(), await freePort()];
const NAMES = ['d1', 'd2', 'd3', 'd4'];
const SESSIONS = 16;

interface Deployment {
  mock: MockUpstream;
  cache: PrefixCache;
}

/** Deployments per route (each route has its own, so their caches stay apart). */
const fleets: Record<string, Deployment[]> = {};
let gw: GatewayProcess;
let file: string;
let version = 1;
const admin = new AdminClient(`http://127.0.0.1:${ADMIN}`);

function providers(route: string, names: readonly string[]): string {
  return names
    .map((n) => {
      const port = fleets[route]![NAMES.indexOf(n)]!.mock.port;
      return `
            - {name: ${n}, provider: {anthropic: {model: claude-sonnet-4-6}}, hostOverride: "127.0.0.1:${port}", policies: {health: {eviction: {duration: 10m}}}}`;
    })
    .join('');
}

function route(name: string, names: readonly string[], backendPolicies: string): string {
  return `
    - name: ${name}
      matches: [{path: {pathPrefix: /${name}}}]
      policies:
        ai: {routes: {/v1/messages: messages}}
        retry: {attempts: 1, codes: [503]}
      backends:
      - ai:
          groups:
          - providers:${providers(name, names)}
        policies: {${backendPolicies}}`;
}

/** The llm: section: a weighted virtual model over two models, each on a deployment of its own. */
const llm = () => {
  const url = (i: number) => `http://127.0.0.1:${fleets.llm![i]!.mock.port}`;
  return `llm:
  port: ${LLM}
  models:
    - {name: east, provider: anthropic, params: {model: claude-east, baseUrl: "${url(0)}", apiKey: sk-east}}
    - {name: west, provider: anthropic, params: {model: claude-west, baseUrl: "${url(1)}", apiKey: sk-west}}
  virtualModels:
    - {name: agent, routing: {weighted: {targets: [{model: east}, {model: west}]}}, sessionAffinity: {prefix: {}}}
`;
};

const config = (affinityNames: readonly string[] = NAMES) => `binds:
- port: ${PORT}
  listeners:
  - routes:${route('pick2', NAMES, '')}${route('affinity', affinityNames, 'sessionAffinity: {prefix: {messages: 1}}')}
${llm()}`;

const client = (r: string) => new Anthropic({ baseURL: `http://127.0.0.1:${PORT}/${r}`, apiKey: 'sk-client', maxRetries: 0 });

/** Every session takes one turn, one after the other (no load: placement alone decides). */
async function round(sessions: AgentSession[], c: Anthropic): Promise<string[]> {
  const out: string[] = [];
  for (const s of sessions) out.push(deploymentOf(await s.turn(c)));
  return out;
}

const prompt = (m: Sample[], r: string, type: string) =>
  total(m, 'agentgateway_gen_ai_prompt_tokens_total', { route: r, gen_ai_token_type: type });
const picks = (m: Sample[], result: string) => total(m, 'agentgateway_session_affinity_picks_total', { route: 'affinity', result });
const metrics = () => scrape(`http://127.0.0.1:${STATS}/metrics`);

beforeAll(async () => {
  for (const r of ['pick2', 'affinity', 'llm']) {
    fleets[r] = await Promise.all(
      (r === 'llm' ? NAMES.slice(0, 2) : NAMES).map(async (n) => {
        const cache = new PrefixCache(n);
        const mock = await plainMock();
        mock.handler = prefixCacheHandler(cache);
        return { mock, cache };
      }),
    );
  }
  file = configFile(config());
  gw = await GatewayProcess.start({
    args: ['-f', file],
    env: { ADMIN_ADDR: `127.0.0.1:${ADMIN}`, STATS_ADDR: `127.0.0.1:${STATS}`, READINESS_ADDR: 'off' },
  });
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
  await Promise.all(Object.values(fleets).flatMap((f) => f.map((d) => d.mock.close())));
});

describe('session affinity with simulated prompt caches', () => {
  const sessions = { pick2: [] as AgentSession[], affinity: [] as AgentSession[] };
  /** Where each affinity session was last answered. */
  let placed: string[] = [];

  it('keeps each conversation on one deployment, and its cached-token ratio far above pick-2', async () => {
    for (let i = 0; i < SESSIONS; i++) {
      sessions.pick2.push(new AgentSession(i));
      sessions.affinity.push(new AgentSession(i));
    }
    const turns = 5;
    const seen: string[][] = [];
    for (let t = 0; t < turns; t++) {
      await round(sessions.pick2, client('pick2'));
      seen.push(await round(sessions.affinity, client('affinity')));
    }
    placed = seen[0]!;
    for (const r of seen) expect(r).toEqual(placed);
    // the hash spreads the sessions over the deployments
    expect(new Set(placed).size).toBeGreaterThanOrEqual(3);

    const m = await metrics();
    const ratio = (r: string) => prompt(m, r, 'cache_read') / prompt(m, r, 'input');
    // the gateway's figures are the deployments' own
    const mockRatio = (r: string) => {
      const s = fleets[r]!.map((d) => d.cache.stats);
      return s.reduce((n, x) => n + x.cachedTokens, 0) / s.reduce((n, x) => n + x.promptTokens, 0);
    };
    expect(ratio('affinity')).toBeCloseTo(mockRatio('affinity'), 6);
    expect(ratio('pick2')).toBeCloseTo(mockRatio('pick2'), 6);
    console.log(
      `cached-token ratio over ${SESSIONS} sessions x ${turns} turns: pick-2 ${ratio('pick2').toFixed(3)}, affinity ${ratio('affinity').toFixed(3)}`,
    );
    // with affinity every follow-up turn finds its whole conversation so far in the cache;
    // pick-2 sends follow-ups to deployments that never saw the conversation
    const cold = (r: string) => fleets[r]!.reduce((n, d) => n + d.cache.stats.coldFollowUps, 0);
    expect(cold('affinity')).toBe(0);
    expect(cold('pick2')).toBeGreaterThan(0);
    expect(ratio('affinity')).toBeGreaterThan(ratio('pick2'));
    // the admin API (and UI) shows the same ratio per backend and per provider, from the recent
    // requests (which worker threads forward in 50 ms batches)
    const shown = await vi.waitFor(async () => {
      const routes = (await admin.runtime()).binds[0].listeners[0].routes;
      const b = routes.find((r: { name: string }) => r.name === 'affinity').backends[0];
      expect(b.promptCache.cachedTokens / b.promptCache.inputTokens).toBeCloseTo(ratio('affinity'), 6);
      return b;
    });
    for (const p of shown.groups[0]) if (placed.includes(p.name)) expect(p.promptCache.cachedTokens).toBeGreaterThan(0);
    expect(picks(m, 'new')).toBe(SESSIONS);
    expect(picks(m, 'hit')).toBe(SESSIONS * (turns - 1));
    expect(picks(m, 'moved') + picks(m, 'spilled')).toBe(0);
  });

  it('a deployment removed by a reload moves only its sessions', async () => {
    const gone = 'd4';
    expect(placed).toContain(gone);
    writeFileSync(file, config(NAMES.filter((n) => n !== gone)));
    await admin.waitForVersion(++version);
    const removed = fleets.affinity![3]!.mock;
    const before = removed.requests.length;
    const now = await round(sessions.affinity, client('affinity'));
    expect(removed.requests.length).toBe(before);
    for (let i = 0; i < SESSIONS; i++) {
      if (placed[i] === gone) expect(now[i]).not.toBe(gone);
      else expect(now[i]).toBe(placed[i]);
    }
    // the moved sessions stay where they went
    expect(await round(sessions.affinity, client('affinity'))).toEqual(now);
    placed = now;
  });

  it('an evicted deployment is avoided: its sessions move for good, the others stay', async () => {
    const sick = placed[0]!;
    const d = fleets.affinity![NAMES.indexOf(sick)]!;
    d.mock.requests.length = 0;
    d.mock.handler = (_req, res) => sendJson(res, 503, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const before = await metrics();
    // every request succeeds: the first of a sick session's fails over in the gateway (retry)
    const now = await round(sessions.affinity, client('affinity'));
    for (let i = 0; i < SESSIONS; i++) {
      if (placed[i] === sick) expect(now[i]).not.toBe(sick);
      else expect(now[i]).toBe(placed[i]);
    }
    // the sick deployment was asked once: then it was evicted, and avoided
    expect(d.mock.requests).toHaveLength(1);
    d.mock.handler = prefixCacheHandler(d.cache);
    expect(await round(sessions.affinity, client('affinity'))).toEqual(now);
    expect(d.mock.requests).toHaveLength(1);
    const after = await metrics();
    const moved = (m: Sample[]) => total(m, 'agentgateway_session_affinity_moves_total', { route: 'affinity', reason: 'evicted' });
    expect(moved(after) - moved(before)).toBe(placed.filter((p) => p === sick).length);
    expect(gw.output).toContain(`session affinity: a session moved from ${sick} to`);
  });
});

describe('a weighted virtual model with sessionAffinity (llm:)', () => {
  it('keeps each session on one target model; the sessions spread over both', async () => {
    const client = new Anthropic({ baseURL: `http://127.0.0.1:${LLM}`, apiKey: 'sk-client', maxRetries: 0 });
    const sessions = Array.from({ length: 8 }, (_, i) => new AgentSession(500 + i));
    const targets = new Map<number, Set<string>>(sessions.map((s) => [s.id, new Set()]));
    for (let turn = 0; turn < 3; turn++) {
      for (const s of sessions) {
        const r = await client.messages.create({ ...s.body(), model: 'agent' } as never);
        s.record((r.content[0] as { text: string }).text);
        targets.get(s.id)!.add(r.model);
      }
    }
    for (const t of targets.values()) expect(t.size).toBe(1);
    expect(new Set([...targets.values()].flatMap((t) => [...t]))).toEqual(new Set(['claude-east', 'claude-west']));
  });
});
