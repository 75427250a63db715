// One request in full (GET /api/requests/<seq>): where its time went phase by phase, its usage
// and cost ("unpriced" when the model has no price, never $0), what prompt guards did, and the
// reason and code of the error it was answered with.
import { useEffect, useState } from 'preact/hooks';
import { api, type RecentRequest } from './api.js';

type Phases = RecentRequest['phases'];

const PHASES: { key: keyof Phases; label: string; title: string }[] = [
  { key: 'gatewayMs', label: 'gateway (routing, policies, body)', title: 'arrival until the upstream attempt was sent' },
  { key: 'connectMs', label: 'upstream connect', title: 'attempt sent until written on a connection (new TCP/TLS included)' },
  { key: 'firstByteMs', label: 'upstream first byte', title: "attempt sent until the upstream's response head" },
  { key: 'firstTokenMs', label: 'first token', title: 'arrival until the first content token (streams)' },
  { key: 'streamMs', label: 'body / stream', title: 'response head until the end' },
];

export function RequestDetail({ seq, onClose }: { seq: number; onClose: () => void }) {
  const [r, setR] = useState<RecentRequest | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setR(null);
    api<RecentRequest & { ok?: false; error?: string }>(`/api/requests/${seq}`)
      .then((x) => (x.ok === false ? setError(x.error ?? 'not found') : setR(x)))
      .catch((e: Error) => setError(e.message));
  }, [seq]);
  return (
    <section class="card" id="request-detail" data-seq={seq}>
      <h2>
        Request #{seq}{' '}
        <button type="button" id="close-detail" onClick={onClose}>
          close
        </button>
      </h2>
      {error && <p class="bad">{error}</p>}
      {r && <DetailBody r={r} />}
    </section>
  );
}

function DetailBody({ r }: { r: RecentRequest }) {
  return (
    <div>
      <dl>
        <dt>request</dt>
        <dd class="mono">
          {r.method} {r.path}
        </dd>
        <dt>finished</dt>
        <dd>{new Date(r.at).toLocaleString()}</dd>
        <dt>status</dt>
        <dd class={r.status >= 400 ? 'bad' : 'good'} id="detail-status">
          {r.status}
        </dd>
        <dt>reason</dt>
        <dd id="detail-reason">{r.reason}</dd>
        {r.errorCode !== null && (
          <>
            <dt>error</dt>
            <dd id="detail-error">
              <span class="mono">{r.errorCode}</span> {r.error}
            </dd>
          </>
        )}
        <dt>route / backend</dt>
        <dd class="mono">
          {r.route ?? '—'} / {r.backend ?? '—'}
        </dd>
        <dt>model</dt>
        <dd class="mono">{r.model ?? '—'}</dd>
        <dt>client</dt>
        <dd class="mono">{r.client}</dd>
        <dt>usage</dt>
        <dd id="detail-usage">
          {r.inputTokens === null ? 'none reported' : `${r.inputTokens} in (${r.cachedTokens ?? 0} cached) / ${r.outputTokens} out`}
        </dd>
        <dt>cost</dt>
        <dd id="detail-cost">{r.priced === null ? '—' : r.priced ? `$${(r.costUsd ?? 0).toPrecision(3)}` : 'unpriced'}</dd>
        <dt>retries</dt>
        <dd>{r.retries}</dd>
        <dt>guard actions</dt>
        <dd id="detail-guard">{r.guard.length === 0 ? 'none' : r.guard.join('; ')}</dd>
      </dl>
      <PhaseBars phases={r.phases} totalMs={r.latencyMs} />
    </div>
  );
}

/** Each phase as a bar on the request's time line (offset where it began, length its duration). */
function PhaseBars({ phases, totalMs }: { phases: Phases; totalMs: number }) {
  const sent = phases.gatewayMs ?? 0;
  const start: Record<keyof Phases, number> = {
    gatewayMs: 0,
    connectMs: sent,
    firstByteMs: sent,
    firstTokenMs: 0,
    streamMs: sent + (phases.firstByteMs ?? 0),
  };
  const pct = (ms: number) => `${Math.min(100, (ms / Math.max(totalMs, 0.001)) * 100).toFixed(2)}%`;
  return (
    <table class="phases" id="detail-phases">
      <tbody>
        {PHASES.map((p) => {
          const ms = phases[p.key];
          return (
            <tr data-phase={p.key} title={p.title}>
              <td>{p.label}</td>
              <td class="mono">{ms === null ? '—' : `${ms.toFixed(2)} ms`}</td>
              <td class="phase-track">
                {ms !== null && <span class="phase-bar" style={{ marginLeft: pct(start[p.key]), width: pct(ms) }} />}
              </td>
            </tr>
          );
        })}
        <tr data-phase="total">
          <td>total</td>
          <td class="mono">{totalMs.toFixed(2)} ms</td>
          <td class="phase-track">
            <span class="phase-bar total" style={{ width: '100%' }} />
          </td>
        </tr>
      </tbody>
    </table>
  );
}
