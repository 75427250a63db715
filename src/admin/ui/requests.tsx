// Recent requests, newest first, refreshed every second (only new ones are fetched).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type RecentRequest } from './api.js';

const KEEP = 200;

export function Requests() {
  const [rows, setRows] = useState<RecentRequest[]>([]);
  const last = useRef(0);
  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      try {
        const r = await api<{ requests: RecentRequest[]; last: number }>(`/api/requests?since=${last.current}`);
        if (stopped || r.requests.length === 0) return;
        last.current = r.last;
        setRows((prev) => [...r.requests.reverse(), ...prev].slice(0, KEEP));
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
  }, []);
  return (
    <div>
      <h1>Recent requests</h1>
      {rows.length === 0 && <div class="card muted">No requests yet. They appear here as they finish.</div>}
      {rows.length > 0 && (
        <table class="card" id="requests">
          <thead>
            <tr>
              <th>time</th>
              <th>method</th>
              <th>path</th>
              <th>route</th>
              <th>backend</th>
              <th>model</th>
              <th>status</th>
              <th>tokens in / out</th>
              <th>latency</th>
              <th>first token</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr class="request-row" data-status={r.status}>
                <td>{new Date(r.at).toLocaleTimeString()}</td>
                <td>{r.method}</td>
                <td class="mono">{r.path}</td>
                <td>{r.route ?? '—'}</td>
                <td>{r.backend ?? '—'}</td>
                <td>{r.model ?? '—'}</td>
                <td class={r.status >= 500 ? 'bad' : r.status >= 400 ? 'warn' : 'good'}>{r.status}</td>
                <td>{r.inputTokens === null ? '—' : `${r.inputTokens} / ${r.outputTokens}`}</td>
                <td>{r.latencyMs.toFixed(1)} ms</td>
                <td>{r.ttftMs === null ? '—' : `${r.ttftMs.toFixed(1)} ms`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
