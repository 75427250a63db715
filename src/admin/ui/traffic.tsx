// Traffic: live charts of the gateway's series (GET /api/series) for the last 5 min, 1 h or
// 24 h, drawn with uPlot (bundled; nothing loads at run time), and the spend table by model,
// route, backend and client. Refreshed every 2 s. Each chart carries its plotted totals in
// data attributes, so tests (and scripts) can read what is drawn.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api, type SeriesResponse, type SeriesKeyView } from './api.js';
import { pageLink } from './hash.js';

const WINDOWS = ['5m', '1h', '24h'] as const;
type Window = (typeof WINDOWS)[number];
const COLORS = ['#2f5fd0', '#1e8a4c', '#b7791f', '#c53030', '#7b3fc4', '#0f8a8a', '#6b7385', '#d0532f'];

interface Line {
  label: string;
  values: (number | null)[];
  /** The Requests page's filter for this line's requests (`status=5xx`, `route=...`); none: the window alone. */
  filter?: Record<string, string>;
}

interface ChartProps {
  id: string;
  title: string;
  time: number[];
  lines: Line[];
  unit: string;
  /** Seconds per point: a point's requests finished in [t, t + step). */
  step: number;
}

/** The Requests page narrowed to the requests behind one point of one line. */
function requestsAt(time: number[], step: number, i: number, filter: Record<string, string> = {}): string {
  return pageLink('requests', { ...filter, from: time[i]! * 1000, to: (time[i]! + step) * 1000 });
}

/** One uPlot chart; the plot is made once and fed new data on every refresh. A click on it opens the requests of that point. */
function Chart({ id, title, time, lines, unit, step }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const current = useRef({ time, step, lines });
  current.current = { time, step, lines };
  const labels = lines.map((l) => l.label).join('\u0000');
  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth - 16),
      height: 180,
      // Points as well as lines: a quantile with traffic in one step only is a lone point.
      series: [
        {},
        ...lines.map((l, i) => ({ label: l.label, stroke: COLORS[i % COLORS.length]!, width: 1.5, points: { show: true, size: 3 } })),
      ],
      axes: [{}, { label: unit, size: 60 }],
      legend: { live: false },
      hooks: {
        ready: [
          (u) =>
            u.over.addEventListener('click', () => {
              const i = u.cursor.idx;
              const c = current.current;
              // One line: its filter applies; several: the window alone (every line's requests).
              if (i !== null && i !== undefined)
                location.hash = requestsAt(c.time, c.step, i, c.lines.length === 1 ? c.lines[0]!.filter : {});
            }),
        ],
      },
    };
    plot.current = new uPlot(opts, [time, ...lines.map((l) => l.values)], el);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // Only a new set of lines (or unit) needs a new plot; new values go through setData below.
  }, [labels, unit]);
  useEffect(() => {
    plot.current?.setData([time, ...lines.map((l) => l.values)]);
  }, [time, lines]);
  const total = lines.reduce((s, l) => s + l.values.reduce<number>((a, v) => a + (v ?? 0), 0), 0);
  const points = lines.reduce((s, l) => s + l.values.filter((v) => v !== null && v !== 0).length, 0);
  return (
    <div class="card chart" data-chart={id} data-total={String(round(total))} data-points={String(points)}>
      <h3>{title}</h3>
      <div ref={box} />
      <Peaks time={time} step={step} lines={lines} />
    </div>
  );
}

/** Each line's highest point as a link to the requests behind it (the spike an operator asks about). */
function Peaks({ time, step, lines }: { time: number[]; step: number; lines: Line[] }) {
  const peaks = lines.flatMap((l) => {
    let best = -1;
    for (let i = 0; i < l.values.length; i++) if ((l.values[i] ?? 0) > 0 && (best < 0 || l.values[i]! > l.values[best]!)) best = i;
    return best < 0 ? [] : [{ l, i: best }];
  });
  if (peaks.length === 0) return null;
  return (
    <div class="spikes">
      peak requests:{' '}
      {peaks.map(({ l, i }) => (
        <a
          class="spike-link"
          href={requestsAt(time, step, i, l.filter)}
          data-spike={l.label}
          title={`the requests behind ${l.label}'s highest point`}
        >
          {l.label} at {new Date(time[i]! * 1000).toLocaleTimeString()}
        </a>
      ))}
    </div>
  );
}

function round(n: number): number {
  return Math.round(n * 1e9) / 1e9;
}

/** Per-step counts as rates: per second (requests, tokens) or per minute (cost). */
function rate(values: number[], stepSeconds: number, per: number): number[] {
  return values.map((v) => (v * per) / stepSeconds);
}

/** Runs `poll` now and every 2 s while mounted (restarting when `deps` change); `live()` is false once stopped. */
function usePolling(poll: (live: () => boolean) => Promise<void>, deps: unknown[]): void {
  useEffect(() => {
    let stopped = false;
    const live = () => !stopped;
    void poll(live);
    const timer = setInterval(() => void poll(live), 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, deps);
}

export function Traffic() {
  const [window, setWindow] = useState<Window>('5m');
  const [total, setTotal] = useState<SeriesResponse | null>(null);
  const [byRoute, setByRoute] = useState<SeriesResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  usePolling(
    async (live) => {
      try {
        const [t, r] = await Promise.all([
          api<SeriesResponse>(`/api/series?window=${window}&by=total`),
          api<SeriesResponse>(`/api/series?window=${window}&by=route`),
        ]);
        if (!live()) return;
        setTotal(t);
        setByRoute(r);
        setError(null);
      } catch (e) {
        if (live()) setError((e as Error).message);
      }
    },
    [window],
  );
  return (
    <div>
      <h1>Traffic</h1>
      <div class="tabs">
        {WINDOWS.map((w) => (
          <button type="button" class={w === window ? 'active' : ''} id={`window-${w}`} onClick={() => setWindow(w)}>
            last {w}
          </button>
        ))}
      </div>
      {error && <div class="banner bad">cannot load the series: {error}</div>}
      {total && byRoute && <Charts total={total} byRoute={byRoute} />}
      <Spend window={window} />
    </div>
  );
}

function Charts({ total, byRoute }: { total: SeriesResponse; byRoute: SeriesResponse }) {
  const step = total.stepSeconds;
  const all = total.series[0];
  if (all === undefined) return <div class="card muted">No requests in this window yet.</div>;
  const f = all.fields;
  const classes = (['s2xx', 's3xx', 's4xx', 's5xx'] as const).map((k) => ({
    label: k.slice(1),
    values: rate(f[k], step, 1),
    filter: { status: k.slice(1) },
  }));
  return (
    <div class="charts">
      <Chart step={step} id="requests" title="Requests per second by status class" time={total.time} lines={classes} unit="req/s" />
      <Chart
        step={step}
        id="routes"
        title="Requests per second by route"
        time={byRoute.time}
        lines={byRoute.series.map((s) => ({ label: s.key, values: rate(s.fields.requests, step, 1), filter: { route: s.key } }))}
        unit="req/s"
      />
      <Chart step={step} id="latency" title="Latency (bucket upper bound)" time={total.time} lines={quantiles(all.latencyMs)} unit="ms" />
      <Chart step={step} id="ttft" title="Time to first token" time={total.time} lines={quantiles(all.ttftMs)} unit="ms" />
      <Chart
        step={step}
        id="tokens"
        title="Tokens per second"
        time={total.time}
        lines={[
          { label: 'in', values: rate(f.tokensIn, step, 1) },
          { label: 'out', values: rate(f.tokensOut, step, 1) },
        ]}
        unit="tokens/s"
      />
      <Chart
        step={step}
        id="cost"
        title="Cost per minute (priced requests)"
        time={total.time}
        lines={[{ label: 'USD', values: rate(f.costUsd, step, 60) }]}
        unit="USD/min"
      />
      <Chart
        step={step}
        id="errors"
        title="Rate-limit rejections and upstream errors per second"
        time={total.time}
        lines={[
          { label: 'rate limited', values: rate(f.rateLimited, step, 1), filter: { status: '429' } },
          { label: 'upstream errors', values: rate(f.upstreamErrors, step, 1), filter: { status: '5xx' } },
        ]}
        unit="/s"
      />
    </div>
  );
}

function quantiles(q: SeriesKeyView['latencyMs']): Line[] {
  return [
    { label: 'p50', values: q.p50 },
    { label: 'p95', values: q.p95 },
    { label: 'p99', values: q.p99 },
  ];
}

const SPEND_BY = [
  ['model', 'Model'],
  ['route', 'Route'],
  ['backend', 'Backend'],
  ['client', 'Client (key, JWT subject)'],
] as const;

/** Cost and tokens per model, route, backend and client over the window; unpriced is said, not $0. */
function Spend({ window }: { window: Window }) {
  const [tables, setTables] = useState<SeriesResponse[]>([]);
  usePolling(
    async (live) => {
      try {
        const t = await Promise.all(SPEND_BY.map(([by]) => api<SeriesResponse>(`/api/series?window=${window}&by=${by}`)));
        if (live()) setTables(t);
      } catch {
        // the charts above show the error
      }
    },
    [window],
  );
  return (
    <div>
      <h2>Spend (last {window})</h2>
      {tables.map((t, i) => (
        <table class="card spend" data-spend={t.by}>
          <thead>
            <tr>
              <th>{SPEND_BY[i]![1]}</th>
              <th>requests</th>
              <th>tokens in</th>
              <th>tokens out</th>
              <th>cost</th>
            </tr>
          </thead>
          <tbody>
            {t.series.length === 0 && (
              <tr>
                <td colSpan={5} class="muted">
                  no requests
                </td>
              </tr>
            )}
            {t.series.map((s) => (
              <tr data-key={s.key}>
                <td class="mono">{s.key}</td>
                <td>{s.totals.requests}</td>
                <td>{s.totals.tokensIn}</td>
                <td>{s.totals.tokensOut}</td>
                <td class="cost">{costText(s.totals)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
}

/** "$0.0123", "unpriced" when no request of the row had a price, or both when mixed. */
export function costText(t: SeriesKeyView['totals']): string {
  const usd = `$${t.costUsd < 0.01 && t.costUsd > 0 ? t.costUsd.toPrecision(3) : t.costUsd.toFixed(4)}`;
  if (t.unpriced === 0) return t.priced === 0 ? '—' : usd;
  if (t.priced === 0) return `unpriced (${t.unpriced} requests)`;
  return `${usd} + ${t.unpriced} unpriced`;
}
