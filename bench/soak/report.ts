// The soak's result: one object (written as JSON) and its markdown tables (for the README).
import type { Tally } from './load.js';
import type { MemoryVerdict } from './memory.js';
import type { ReloadRecord } from './reloads.js';

export interface SoakReport {
  date: string;
  node: string;
  commit: string;
  args: Record<string, unknown>;
  loadSeconds: number;
  tally: Tally;
  memory: {
    idleMb: number;
    peakMb: number;
    endMb: number;
    settleMb: number;
    settleSeconds: number;
    /** The kernel's high-water mark (VmHWM), which also catches peaks between samples. */
    hwmMb: number;
    heapUsedMb: { idle: number; end: number; settle: number };
    verdict: MemoryVerdict;
    /** [seconds since the load started, RSS MB], one a second. */
    samples: [number, number][];
  };
  cpu: { loadSeconds: number; usPerRequest: number; settleSeconds: number };
  reloads: ReloadRecord[];
  /** Upstream requests still open after the settle period (the gateway never ended them). */
  upstreamOpen: number;
  /** Attempts the mock saw beyond the configured retries. */
  upstreamUnplanned: number;
  /** Requests the gateway still counted in flight after the settle period. */
  gatewayInflight: number;
  gatewayExit: string | null;
  /** Error-level gateway log lines other than refused reloads. */
  gatewayErrorLines: string[];
  failures: string[];
}

const pct = (n: number, total: number) => (total === 0 ? '-' : `${((100 * n) / total).toFixed(1)}%`);
const mb = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');

export function markdown(r: SoakReport): string {
  const t = r.tally;
  const o = t.byOutcome;
  const reasons = Object.entries(t.byLostReason)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const valid = r.reloads.filter((x) => x.edit === 'valid-file' || x.edit === 'valid-api');
  const bad = r.reloads.filter((x) => !(x.edit === 'valid-file' || x.edit === 'valid-api'));
  const m = r.memory;
  const lines = [
    `### Soak: ${fmtDuration(r.loadSeconds)} at ${r.args.rate} req/s (${r.date.slice(0, 16)}Z, ${r.commit}, Node ${r.node})`,
    '',
    '| requests | count | share |',
    '|---|---:|---:|',
    `| ok | ${o.ok} | ${pct(o.ok, t.total)} |`,
    `| expected upstream-fault error (right status and dialect) | ${o['upstream-fault']} | ${pct(o['upstream-fault'], t.total)} |`,
    `| client-aborted | ${o['client-aborted']} | ${pct(o['client-aborted'], t.total)} |`,
    `| **lost**${reasons !== '' ? ` (${reasons})` : ''} | **${o.lost}** | ${pct(o.lost, t.total)} |`,
    `| total | ${t.total} | |`,
    '',
    '| gateway | value |',
    '|---|---:|',
    `| RSS idle, before load | ${mb(m.idleMb)} MB |`,
    `| RSS peak (sampled / high-water mark) | ${mb(m.peakMb)} / ${mb(m.hwmMb)} MB |`,
    `| RSS at the end of the load | ${mb(m.endMb)} MB |`,
    `| RSS ${m.settleSeconds} s after | ${mb(m.settleMb)} MB |`,
    `| RSS trend, 2nd half of the load | ${m.verdict.judged ? `${m.verdict.slopeMbPerMin.toFixed(2)} MB/min (${m.verdict.growing ? 'growing' : 'flat'})` : 'not judged (run too short)'} |`,
    `| CPU time during the load | ${r.cpu.loadSeconds.toFixed(1)} s (${r.cpu.usPerRequest.toFixed(0)} µs/request) |`,
    `| CPU time while settling (idle) | ${r.cpu.settleSeconds.toFixed(2)} s |`,
    `| hot reloads: valid applied / bad refused | ${valid.filter((x) => x.ok).length}/${valid.length} / ${bad.filter((x) => x.ok).length}/${bad.length} |`,
    `| upstream requests left open / gateway requests in flight after settling | ${r.upstreamOpen} / ${r.gatewayInflight} |`,
    '',
    `**Verdict: ${r.failures.length === 0 ? 'PASS' : `FAIL** (${r.failures.join('; ')})`}${r.failures.length === 0 ? '**' : ''}`,
  ];
  return lines.join('\n');
}

/** Per-kind and per-fault breakdowns, reload log and lost examples (for the results file). */
export function details(r: SoakReport): string {
  const outcomes = ['ok', 'upstream-fault', 'client-aborted', 'lost'] as const;
  const table = (title: string, rows: Record<string, Partial<Record<string, number>>>) => [
    `| ${title} | ${outcomes.join(' | ')} |`,
    `|---|${outcomes.map(() => '---:').join('|')}|`,
    ...Object.entries(rows)
      .sort()
      .map(([k, v]) => `| ${k} | ${outcomes.map((x) => v[x] ?? 0).join(' | ')} |`),
  ];
  const lines = [
    '',
    ...table('request kind', r.tally.byKind),
    '',
    ...table('first-attempt fault', r.tally.byFault),
    '',
    `Latency of answered requests: p50 ${r.tally.latencyMs.p50.toFixed(1)} ms, p99 ${r.tally.latencyMs.p99.toFixed(1)} ms, max ${r.tally.latencyMs.max.toFixed(0)} ms (faults included).`,
    `Memory: ${r.memory.verdict.explanation}. Heap used (gateway metrics): idle ${mb(r.memory.heapUsedMb.idle)} MB, end ${mb(r.memory.heapUsedMb.end)} MB, settled ${mb(r.memory.heapUsedMb.settle)} MB.`,
    `Upstream attempts beyond the configured retries: ${r.upstreamUnplanned}.`,
    '',
    'Reloads:',
    ...r.reloads.map((x) => `- ${x.at.toFixed(0)} s ${x.edit} (generation ${x.generation}): ${x.ok ? 'ok' : `FAILED: ${x.detail}`}`),
  ];
  if (r.tally.lostExamples.length > 0) lines.push('', 'Lost requests (first ones):', ...r.tally.lostExamples.map((x) => `- ${x}`));
  if (r.gatewayErrorLines.length > 0) lines.push('', 'Gateway error lines:', ...r.gatewayErrorLines.map((x) => `- ${x}`));
  return lines.join('\n');
}

function fmtDuration(s: number): string {
  return s >= 60 && s % 60 === 0 ? `${s / 60} min` : `${s} s`;
}
