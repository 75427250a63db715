// The `affinity` lane: a multi-turn agent workload (many sessions, each a conversation whose
// every turn resends the history) through the gateway to four deployments that each simulate
// their own prompt cache (bench/load/prefix-cache-upstream.ts), once balanced by pick-2 and once
// with sessionAffinity keyed by the prompt prefix. Reports the cached-token ratio of each (the
// deployments' own count: cached prompt tokens / prompt tokens), and the gateway CPU per request
// of each from /proc, whose difference is what keying and placing a session costs. Runs
// alternate (pick-2, affinity, pick-2, affinity) so machine noise spreads over both.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentSession } from '../../test/helpers/agent-sessions.js';
import type { CacheStats } from '../../test/helpers/prefix-cache.js';
import type { LaneContext } from './lanes.js';
import { GATEWAY_PORT } from './ports.js';
import { cpuSeconds } from './proc.js';

const DEPLOYMENTS = [10, 11, 12, 13].map((d) => GATEWAY_PORT + d);
const SESSIONS = 200;
const TURNS = 8;
/** Sessions in flight at once (each sends its turns one after the other, as an agent loop does). */
const CONCURRENCY = 32;
const ROUNDS = 2;

function config(): string {
  const providers = DEPLOYMENTS.map(
    (p, i) => `
                        - { name: d${i}, provider: { anthropic: { model: claude-sonnet-4-6 } }, hostOverride: "127.0.0.1:${p}" }`,
  ).join('');
  const route = (name: string, policies: string) => `
          - name: ${name}
            matches: [{ path: { pathPrefix: /${name} } }]
            policies:
              ai: { routes: { /v1/messages: messages } }
            backends:
              - ai:
                  groups:
                    - providers:${providers}
                policies: { ${policies} }`;
  return `binds:
  - port: ${GATEWAY_PORT}
    listeners:
      - routes:${route('pick2', '')}${route('affinity', 'sessionAffinity: { prefix: { messages: 1 } }')}
`;
}

async function deploymentStats(): Promise<CacheStats> {
  const all = await Promise.all(DEPLOYMENTS.map(async (p) => (await fetch(`http://127.0.0.1:${p}/__stats`)).json() as Promise<CacheStats>));
  return all.reduce((a, s) => ({
    requests: a.requests + s.requests,
    promptTokens: a.promptTokens + s.promptTokens,
    cachedTokens: a.cachedTokens + s.cachedTokens,
    coldFollowUps: a.coldFollowUps + s.coldFollowUps,
  }));
}

async function resetDeployments(): Promise<void> {
  await Promise.all(DEPLOYMENTS.map((p) => fetch(`http://127.0.0.1:${p}/__reset`, { method: 'POST' })));
}

/** SESSIONS conversations of TURNS turns, CONCURRENCY at a time, through /<route>; the first session id keeps runs apart. */
async function workload(route: string, firstId: number): Promise<{ requests: number; failed: number }> {
  const url = `http://127.0.0.1:${GATEWAY_PORT}/${route}/v1/messages`;
  let next = 0;
  let requests = 0;
  let failed = 0;
  const agent = async () => {
    while (next < SESSIONS) {
      const s = new AgentSession(firstId + next++);
      for (let t = 0; t < TURNS; t++) {
        const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(s.body()) });
        requests++;
        if (r.status !== 200) failed++;
        const j = (await r.json()) as { content?: { text: string }[] };
        s.record(j.content?.[0]?.text ?? 'error');
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, agent));
  return { requests, failed };
}

interface Row {
  mode: string;
  round: number;
  ratio: number;
  cpuUsPerReq: number;
  rps: number;
  failed: number;
  /** Follow-up turns that missed the previous turn's prompt in their deployment's cache. */
  cold: number;
}

export async function affinityLane(ctx: LaneContext): Promise<{ data: unknown; text: string }> {
  const upstream = await ctx.startProcess(
    ['--import', 'tsx', 'bench/load/prefix-cache-upstream.ts', ...DEPLOYMENTS.map(String)],
    'prefix-cache deployments listening',
  );
  const file = join(mkdtempSync(join(tmpdir(), 'agw-bench-affinity-')), 'affinity.yaml');
  writeFileSync(file, config());
  const gw = await ctx.startGateway(file);
  const rows: Row[] = [];
  try {
    await workload('pick2', 1_000_000); // warm-up: JIT, pools
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of ['pick2', 'affinity']) {
        await resetDeployments();
        const cpu0 = cpuSeconds(gw.pid!);
        const t0 = performance.now();
        const { requests, failed } = await workload(mode, round * SESSIONS);
        const seconds = (performance.now() - t0) / 1000;
        const cpu = cpuSeconds(gw.pid!) - cpu0;
        const s = await deploymentStats();
        rows.push({
          mode,
          round,
          ratio: s.cachedTokens / s.promptTokens,
          cpuUsPerReq: (cpu * 1e6) / requests,
          rps: requests / seconds,
          cold: s.coldFollowUps / (SESSIONS * (TURNS - 1)),
          failed,
        });
      }
    }
  } finally {
    for (const p of [gw, upstream]) p.kill('SIGTERM');
    await Promise.all([gw, upstream].map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
  }
  const mean = (mode: string, k: 'ratio' | 'cpuUsPerReq' | 'rps') =>
    rows.filter((r) => r.mode === mode).reduce((s, r) => s + r[k], 0) / ROUNDS;
  const lines = [
    `${SESSIONS} sessions x ${TURNS} turns, ${CONCURRENCY} sessions in flight, 4 deployments with their own prefix caches`,
    '',
    '| run | balancing | cached-token ratio | follow-ups missing the cache | gateway CPU µs/req | req/s | failed |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.round + 1} | ${r.mode === 'pick2' ? 'pick-2' : 'sessionAffinity (prefix)'} | ${r.ratio.toFixed(3)} | ${(r.cold * 100).toFixed(1)}% | ${r.cpuUsPerReq.toFixed(1)} | ${r.rps.toFixed(0)} | ${r.failed} |`,
    ),
  ];
  const added = mean('affinity', 'cpuUsPerReq') - mean('pick2', 'cpuUsPerReq');
  const summary = `cached-token ratio: pick-2 ${mean('pick2', 'ratio').toFixed(3)}, affinity ${mean('affinity', 'ratio').toFixed(3)}; added gateway CPU ${added.toFixed(1)} µs/req (${((added / mean('pick2', 'cpuUsPerReq')) * 100).toFixed(1)}%)`;
  lines.push('', summary);
  console.log(lines.join('\n'));
  return { data: { rows, sessions: SESSIONS, turns: TURNS, concurrency: CONCURRENCY, addedCpuUsPerReq: added }, text: lines.join('\n') };
}
