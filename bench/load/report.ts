// Renders a suite run: per-row figures as ratios to direct and to the floor measured in the same
// run, the issue-18 targets with the distance left, a markdown report and an SVG bar chart.
import type { RowResult, SuiteOptions, TargetResult } from './suite.js';

export interface Summary {
  id: string;
  label: string;
  kind: 'json' | 'sse';
  rps: number;
  xDirect: number;
  xFloor: number;
  cpuUsPerReq: number;
  cpuXFloor: number;
  p50: number;
  p99: number;
  errors: number;
  c1AddedP50?: number;
  c1AddedP99?: number;
  pacedAddedP50?: number;
  pacedAddedP99?: number;
  ttftP50?: number;
  ttftP99?: number;
  ttftAddedP50?: number;
  gapP50?: number;
  gapP99?: number;
}

const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((s, x) => s + x, 0) / xs.length);
const f = (n: number | undefined, d = 2) => (n !== undefined && Number.isFinite(n) ? n.toFixed(d) : '-');
const signed = (n: number | undefined, d = 3) => (n !== undefined && Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(d)}` : '-');

export function summarize(rows: RowResult[]): Summary[] {
  const find = (target: string, kind: string) => rows.find((r) => r.target === target && r.route === kind);
  return rows.map((r) => {
    const d = find('direct', r.kind === 'json' ? 'json' : 'sse');
    const fl = find('floor', r.kind === 'json' ? 'json' : 'sse');
    const rps = mean(r.c50.map((m) => m.rps));
    const cpu = mean(r.cpuUsPerReq);
    const s: Summary = {
      id: r.id,
      label: r.label,
      kind: r.kind,
      rps,
      xDirect: rps / mean(d?.c50.map((m) => m.rps) ?? []),
      xFloor: rps / mean(fl?.c50.map((m) => m.rps) ?? []),
      cpuUsPerReq: cpu,
      cpuXFloor: cpu / mean(fl?.cpuUsPerReq ?? []),
      p50: mean(r.c50.map((m) => m.p50)),
      p99: mean(r.c50.map((m) => m.p99)),
      errors: r.c50.reduce((n, m) => n + m.errors + m.non2xx, 0) + r.paced.reduce((n, p) => n + p.errors, 0),
    };
    if (r.kind === 'json' && d) {
      s.c1AddedP50 = mean(r.c1.map((m) => m.p50)) - mean(d.c1.map((m) => m.p50));
      s.c1AddedP99 = mean(r.c1.map((m) => m.p99)) - mean(d.c1.map((m) => m.p99));
      s.pacedAddedP50 = mean(r.paced.map((p) => p.p50)) - mean(d.paced.map((p) => p.p50));
      s.pacedAddedP99 = mean(r.paced.map((p) => p.p99)) - mean(d.paced.map((p) => p.p99));
    }
    if (r.timing && d?.timing) {
      Object.assign(s, {
        ttftP50: r.timing.ttftP50,
        ttftP99: r.timing.ttftP99,
        ttftAddedP50: r.timing.ttftP50 - d.timing.ttftP50,
        gapP50: r.timing.gapP50,
        gapP99: r.timing.gapP99,
      });
    }
    return s;
  });
}

interface Check {
  target: string;
  measured: string;
  met: boolean | null;
}

/** The issue-18 targets, each with the figure measured in this run (null: not measured). */
export function checks(sum: Summary[], mem: TargetResult[]): Check[] {
  const by = (id: string) => sum.find((s) => s.id === id);
  const rss = (id: string) => mem.find((m) => m.id === id);
  const out: Check[] = [];
  const ratio = (target: string, id: string, k: 'cpuXFloor' | 'xFloor', limit: number, atMost: boolean) => {
    const v = by(id)?.[k];
    const met = v === undefined || !Number.isFinite(v) ? null : atMost ? v <= limit : v >= limit;
    out.push({ target, measured: `${f(v)}x`, met });
  };
  ratio('defaults on, passthrough CPU/req <= 1.2x floor', 'gw-on/json', 'cpuXFloor', 1.2, true);
  ratio('defaults on, completions CPU/req <= 1.4x floor', 'gw-on/completions', 'cpuXFloor', 1.4, true);
  ratio('defaults on, passthrough throughput >= 0.85x floor', 'gw-on/json', 'xFloor', 0.85, false);
  ratio('SSE passthrough CPU/stream <= 1.1x floor', 'gw-on/sse', 'cpuXFloor', 1.1, true);
  ratio('translated SSE CPU/stream <= 1.4x floor SSE', 'gw-on/translated', 'cpuXFloor', 1.4, true);
  const gw = rss('gw-on');
  if (gw) {
    out.push({
      target: 'idle RSS <= 80 MB (15 s after ready; 1 s in brackets)',
      measured: `${f(gw.rssSettledMb, 0)} MB (${f(gw.rssIdleMb, 0)})`,
      met: gw.rssSettledMb <= 80,
    });
    out.push({ target: 'peak RSS under c=50 <= 130 MB', measured: `${f(gw.rssPeakMb, 0)} MB`, met: gw.rssPeakMb <= 130 });
    const back = gw.rssAfterMb / gw.rssSettledMb - 1;
    out.push({
      target: 'RSS after the load within 10% of idle (15 s)',
      measured: `${f(gw.rssAfterMb, 0)} MB (${signed(back * 100, 0)}%)`,
      met: back <= 0.1,
    });
  }
  const [g, fl] = [by('gw-on/json'), by('floor/json')];
  if (g && fl) {
    const ok = (g.pacedAddedP50 ?? NaN) <= (fl.pacedAddedP50 ?? NaN) && (g.pacedAddedP99 ?? NaN) <= (fl.pacedAddedP99 ?? NaN);
    out.push({
      target: 'added latency at the paced rate <= floor (p50, p99)',
      measured: `gateway ${signed(g.pacedAddedP50)} / ${signed(g.pacedAddedP99)} ms, floor ${signed(fl.pacedAddedP50)} / ${signed(fl.pacedAddedP99)} ms`,
      met: ok,
    });
  }
  return out;
}

export function markdown(title: string, o: SuiteOptions, env: Record<string, string>, sum: Summary[], mem: TargetResult[]): string {
  const L: string[] = [`# ${title}`, ''];
  for (const [k, v] of Object.entries(env)) L.push(`- ${k}: ${v}`);
  L.push(
    `- ${o.duration} s per measurement, ${o.rounds} round(s) interleaved, c=${o.connections}; paced ${o.pacedRate} req/s over 20 connections; RSS idle read 1 s and 15 s after ready, "after" ${o.afterS} s after the load`,
    '',
    'Ratios are to direct and to the floor measured in this run; CPU is utime+stime of the target process tree from /proc.',
    '',
    '## Targets (issue 18)',
    '',
    '| target | measured | met |',
    '|---|---|---|',
  );
  for (const c of checks(sum, mem))
    L.push(`| ${c.target} | ${c.measured} | ${c.met === null ? 'not measured' : c.met ? 'yes' : '**no**'} |`);
  L.push(
    '',
    `## Non-streaming JSON (c=${o.connections}; added latency vs direct at c=1 and at ${o.pacedRate} req/s paced)`,
    '',
    '| lane | req/s | x direct | x floor | CPU µs/req | CPU x floor | p50 ms | p99 ms | added c=1 p50 / p99 ms | added paced p50 / p99 ms | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const s of sum.filter((x) => x.kind === 'json'))
    L.push(
      `| ${s.label} | ${Math.round(s.rps)} | ${f(s.xDirect)} | ${f(s.xFloor)} | ${f(s.cpuUsPerReq, 1)} | ${f(s.cpuXFloor)} | ${f(s.p50, 3)} | ${f(s.p99, 3)} | ${signed(s.c1AddedP50)} / ${signed(s.c1AddedP99)} | ${signed(s.pacedAddedP50)} / ${signed(s.pacedAddedP99)} | ${s.errors} |`,
    );
  L.push(
    '',
    `## Streaming SSE (c=${o.connections}, 20 events + [DONE] in one write; time to first token and gap against a mock pacing events ${o.gapMs} ms apart)`,
    '',
    '| lane | streams/s | x direct | x floor | CPU µs/stream | CPU x floor | p50 ms | p99 ms | TTFT p50 / p99 ms | added TTFT p50 ms | gap p50 / p99 ms | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const s of sum.filter((x) => x.kind === 'sse'))
    L.push(
      `| ${s.label} | ${Math.round(s.rps)} | ${f(s.xDirect)} | ${f(s.xFloor)} | ${f(s.cpuUsPerReq, 1)} | ${f(s.cpuXFloor)} | ${f(s.p50, 3)} | ${f(s.p99, 3)} | ${f(s.ttftP50)} / ${f(s.ttftP99)} | ${signed(s.ttftAddedP50)} | ${f(s.gapP50)} / ${f(s.gapP99)} | ${s.errors} |`,
    );
  L.push(
    '',
    '## Memory (RSS of the target process tree, MB)',
    '',
    '| target | idle 1 s after ready | idle 15 s after ready | peak (VmHWM) | after |',
    '|---|---|---|---|---|',
  );
  for (const m of mem.filter((x) => x.id !== 'direct'))
    L.push(`| ${m.label} | ${f(m.rssIdleMb, 0)} | ${f(m.rssSettledMb, 0)} | ${f(m.rssPeakMb, 0)} | ${f(m.rssAfterMb, 0)} |`);
  return `${L.join('\n')}\n`;
}

const SHORT_TARGET: Record<string, string> = {
  floor: 'floor',
  nginx: 'nginx',
  'gw-off': 'gateway, log+metrics off',
  'gw-on': 'gateway, defaults',
};
const SHORT_ROUTE: Record<string, string> = {
  json: 'JSON passthrough',
  completions: 'JSON completions',
  sse: 'SSE passthrough',
  translated: 'SSE translated',
};
const short = (id: string) => {
  const [t, r] = id.split('/') as [string, string];
  return `${SHORT_TARGET[t] ?? t}: ${SHORT_ROUTE[r] ?? r}`;
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal bars per lane: throughput and CPU per request, each as a multiple of the floor. */
export function svgChart(title: string, sum: Summary[]): string {
  const lanes = sum.filter((s) => s.id !== 'direct/json' && s.id !== 'direct/sse');
  const max = Math.max(2, ...lanes.flatMap((s) => [s.xFloor, s.cpuXFloor].filter(Number.isFinite)));
  const [labelW, barW, rowH, top] = [260, 480, 34, 50];
  const x = (v: number) => labelW + (Math.min(v, max) / max) * barW;
  const h = top + lanes.length * rowH + 40;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + barW + 80}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${labelW}" y="28" width="10" height="10" fill="#3b7dd8"/><text x="${labelW + 14}" y="37">req/s x floor</text>`,
    `<rect x="${labelW + 120}" y="28" width="10" height="10" fill="#e8833a"/><text x="${labelW + 134}" y="37">CPU µs/req x floor</text>`,
  ];
  lanes.forEach((s, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${labelW - 6}" y="${y + 17}" text-anchor="end">${esc(short(s.id))}</text>`);
    for (const [k, v, color] of [
      [0, s.xFloor, '#3b7dd8'],
      [1, s.cpuXFloor, '#e8833a'],
    ] as const) {
      if (!Number.isFinite(v)) continue;
      const by = y + 4 + k * 13;
      out.push(`<rect x="${labelW}" y="${by}" width="${(x(v) - labelW).toFixed(1)}" height="11" fill="${color}"/>`);
      out.push(`<text x="${(x(v) + 4).toFixed(1)}" y="${by + 10}">${v.toFixed(2)}</text>`);
    }
  });
  out.push(`<line x1="${x(1)}" y1="${top - 4}" x2="${x(1)}" y2="${h - 30}" stroke="#333" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${x(1)}" y="${h - 15}" text-anchor="middle">1.0 = floor</text>`, '</svg>');
  return `${out.join('\n')}\n`;
}
