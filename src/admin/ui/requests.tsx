// Recent requests, newest first, filtered on the server (GET /api/requests?route=&status=...).
// The filters live in the URL hash (`#/requests?status=5xx&from=...`), so the Traffic page's
// spike links open this page already narrowed to the requests behind a point. Only new
// requests are fetched each second; a click on a row opens its detail (phases, usage, reason).
import { useEffect, useRef, useState } from 'preact/hooks';
import { allRoutes, api, type RecentRequest, type Runtime } from './api.js';
import { hashQuery, pageLink } from './hash.js';
import { RequestDetail } from './request-detail.js';

const KEEP = 200;
const FIELDS = ['route', 'model', 'status', 'client', 'minLatencyMs', 'from', 'to'] as const;
type Filters = Partial<Record<(typeof FIELDS)[number], string>>;

interface Page {
  requests: RecentRequest[];
  last: number;
  scanned: number;
  oldestAt: number | null;
}

function filtersFromHash(): Filters {
  const q = hashQuery();
  const f: Filters = {};
  for (const k of FIELDS) {
    const v = q.get(k);
    if (v !== null && v !== '') f[k] = v;
  }
  return f;
}

/** The filters as the hash gives them back (FIELDS order, empty ones dropped), to compare. */
function canonical(f: Filters): string {
  return JSON.stringify(FIELDS.filter((k) => f[k] !== undefined && f[k] !== '').map((k) => [k, f[k]]));
}

function setFilters(f: Filters): void {
  location.hash = pageLink('requests', f);
}

export function Requests({ runtime }: { runtime: Runtime }) {
  const [filters, setState] = useState<Filters>(filtersFromHash());
  const [rows, setRows] = useState<RecentRequest[]>([]);
  const [oldestAt, setOldestAt] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const last = useRef(0);
  const key = JSON.stringify(filters);
  useEffect(() => {
    const onHash = () => setState(filtersFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    let stopped = false;
    last.current = 0;
    setRows([]);
    const query = new URLSearchParams(filters as Record<string, string>);
    const poll = async () => {
      try {
        query.set('since', String(last.current));
        const r = await api<Page & { error?: string }>(`/api/requests?${query}`);
        if (stopped) return;
        if (r.error !== undefined) return setError(r.error);
        setError(null);
        setOldestAt(r.oldestAt);
        last.current = r.last;
        if (r.requests.length > 0) setRows((prev) => [...r.requests.reverse(), ...prev].slice(0, KEEP));
      } catch {
        // the shell shows connection problems; keep the rows we have
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [key]);
  const routes = [...new Set(allRoutes(runtime).flatMap(({ route }) => (route.key === null ? [] : [route.key])))];
  if (runtime.llm !== null) routes.push(runtime.llm.routeKey);
  return (
    <div>
      <h1>Recent requests</h1>
      <FilterBar filters={filters} routes={routes} models={[...new Set(rows.flatMap((r) => (r.model === null ? [] : [r.model])))]} />
      {error && <div class="banner bad">{error}</div>}
      {filters.from !== undefined && oldestAt !== null && Number(filters.from) < oldestAt && (
        <div class="banner" id="window-truncated">
          Only the last requests are kept: the oldest still held finished at {new Date(oldestAt).toLocaleTimeString()}.
        </div>
      )}
      {selected !== null && <RequestDetail seq={selected} onClose={() => setSelected(null)} />}
      {rows.length === 0 && (
        <div class="card muted" id="no-requests">
          {Object.keys(filters).length > 0
            ? 'No recent request matches these filters.'
            : 'No requests yet. They appear here as they finish.'}
        </div>
      )}
      {rows.length > 0 && <RequestTable rows={rows} selected={selected} onSelect={setSelected} />}
    </div>
  );
}

function FilterBar({ filters, routes, models }: { filters: Filters; routes: string[]; models: string[] }) {
  const [draft, setDraft] = useState<Filters>(filters);
  // Filters this form applied itself (Apply, Clear) arrive later, through the hash: they must not
  // overwrite what the user typed meanwhile. Filters from elsewhere (a chart's link) replace the draft.
  const applied = useRef<string | null>(null);
  useEffect(() => {
    if (applied.current === canonical(filters)) applied.current = null;
    else setDraft(filters);
  }, [JSON.stringify(filters)]);
  const apply = (f: Filters) => {
    applied.current = canonical(f);
    setDraft(f);
    setFilters(f);
  };
  const input = (k: keyof Filters, label: string, list?: string) => (
    <label>
      {label}
      <input
        id={`filter-${k}`}
        value={draft[k] ?? ''}
        list={list}
        onInput={(e) => setDraft({ ...draft, [k]: (e.target as HTMLInputElement).value })}
      />
    </label>
  );
  return (
    <form
      class="card filters"
      id="request-filters"
      onSubmit={(e) => {
        e.preventDefault();
        apply(draft);
      }}
    >
      {input('route', 'route', 'route-options')}
      {input('model', 'model', 'model-options')}
      <label>
        status
        <select
          id="filter-status"
          value={draft.status ?? ''}
          onChange={(e) => setDraft({ ...draft, status: (e.target as HTMLSelectElement).value })}
        >
          {['', '2xx', '3xx', '4xx', '5xx', 'error', '429'].map((s) => (
            <option value={s}>{s === '' ? 'any' : s}</option>
          ))}
          {draft.status !== undefined && !['', '2xx', '3xx', '4xx', '5xx', 'error', '429'].includes(draft.status) && (
            <option value={draft.status}>{draft.status}</option>
          )}
        </select>
      </label>
      {input('client', 'client')}
      {input('minLatencyMs', 'min latency (ms)')}
      <datalist id="route-options">
        {routes.map((r) => (
          <option value={r} />
        ))}
      </datalist>
      <datalist id="model-options">
        {models.map((m) => (
          <option value={m} />
        ))}
      </datalist>
      <button type="submit" id="apply-filters">
        Apply
      </button>
      <button type="button" id="clear-filters" onClick={() => apply({})}>
        Clear
      </button>
      {(filters.from !== undefined || filters.to !== undefined) && (
        <span class="chip" id="time-window">
          finished {filters.from ? new Date(Number(filters.from)).toLocaleTimeString() : '…'} –{' '}
          {filters.to ? new Date(Number(filters.to)).toLocaleTimeString() : 'now'}{' '}
          <button type="button" title="drop the time window" onClick={() => setFilters({ ...filters, from: undefined, to: undefined })}>
            ×
          </button>
        </span>
      )}
    </form>
  );
}

function RequestTable({ rows, selected, onSelect }: { rows: RecentRequest[]; selected: number | null; onSelect: (seq: number) => void }) {
  return (
    <table class="card" id="requests">
      <thead>
        <tr>
          <th>time</th>
          <th>method</th>
          <th>path</th>
          <th>route</th>
          <th>backend</th>
          <th>model</th>
          <th>client</th>
          <th>status</th>
          <th>tokens in / out</th>
          <th>latency</th>
          <th>first token</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr
            class={`request-row${r.seq === selected ? ' selected' : ''}`}
            data-seq={r.seq}
            data-status={r.status}
            data-route={r.route ?? ''}
            data-model={r.model ?? ''}
            data-client={r.client}
            data-latency={r.latencyMs}
            data-at={r.at}
            onClick={() => onSelect(r.seq)}
          >
            <td>{new Date(r.at).toLocaleTimeString()}</td>
            <td>{r.method}</td>
            <td class="mono">{r.path}</td>
            <td>{r.route ?? '—'}</td>
            <td>{r.backend ?? '—'}</td>
            <td>{r.model ?? '—'}</td>
            <td class="mono">{r.client}</td>
            <td class={r.status >= 500 ? 'bad' : r.status >= 400 ? 'warn' : 'good'}>{r.status}</td>
            <td>{r.inputTokens === null ? '—' : `${r.inputTokens} / ${r.outputTokens}`}</td>
            <td>{r.latencyMs.toFixed(1)} ms</td>
            <td>{r.ttftMs === null ? '—' : `${r.ttftMs.toFixed(1)} ms`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
