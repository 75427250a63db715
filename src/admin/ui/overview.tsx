// Overview: the request path as a picture, left to right, for every bind port:
// port -> listener -> route (its matches) -> backends, each backend with its live health.
import { describeMatch, type BackendView, type BindView, type PromptCacheView, type Runtime, type RouteView } from './api.js';

export function HealthDot({ b }: { b: BackendView }) {
  const h = b.health;
  const state = h?.state ?? 'unknown';
  const title =
    h && h.recent > 0 ? `${state}: ${h.failed} of the last ${h.recent} requests failed (last status ${h.lastStatus})` : 'no recent traffic';
  return <span class={`dot ${state}`} title={title} data-health={state} />;
}

/** The share of recent prompt tokens the provider read from its cache (what sessionAffinity raises). */
function CacheRatio({ c, name }: { c: PromptCacheView | undefined; name?: string }) {
  if (c === undefined) return null;
  const pct = ((c.cachedTokens / c.inputTokens) * 100).toFixed(0);
  return (
    <div
      class="sub"
      data-cache-ratio={name ?? ''}
      title={`${c.cachedTokens} of ${c.inputTokens} prompt tokens of recent requests were cache hits`}
    >
      {name !== undefined ? `${name}: ` : ''}prompt cache hits {pct}%
    </div>
  );
}

function Backend({ b }: { b: BackendView }) {
  const pool = b.state?.find((s) => s.id.endsWith('::pool'))?.status;
  return (
    <div class="node backend" data-backend={b.name}>
      <div class="title">
        <HealthDot b={b} /> {b.name}
      </div>
      <div class="sub">
        {b.kind === 'ai' ? `${b.provider}${b.model ? ` · ${b.model}` : ''}` : b.kind === 'mcp' ? 'MCP federation' : 'host'}
        {b.weight !== undefined && b.weight !== 1 ? ` · weight ${b.weight}` : ''}
      </div>
      {b.target && <div class="sub mono">{b.target}</div>}
      <CacheRatio c={b.promptCache} />
      {b.groups?.flat().map((p) => (
        <CacheRatio c={p.promptCache} name={p.name} />
      ))}
      {pool && (
        <div class="sub">
          connections: {String(pool.connected)} open, {String(pool.running)} busy
        </div>
      )}
    </div>
  );
}

function Route({ r }: { r: RouteView }) {
  const policies = Object.keys(r.policies);
  return (
    <div class="route-row">
      <div class="node route route-card" data-route={r.name ?? ''}>
        <div class="title">{r.name ?? '(unnamed route)'}</div>
        {r.hostnames.length > 0 && <div class="sub">hosts: {r.hostnames.join(', ')}</div>}
        {r.matches.map((m) => (
          <div class="sub mono match">{describeMatch(m)}</div>
        ))}
        {policies.length > 0 && <div class="sub">policies: {policies.join(', ')}</div>}
      </div>
      <div class="arrow">→</div>
      <div class="stack">
        {r.backends.map((b) => (
          <Backend b={b} />
        ))}
      </div>
    </div>
  );
}

function Bind({ bind }: { bind: BindView }) {
  return (
    <section class="card bind" data-port={bind.port}>
      {bind.listeners.map((l) => (
        <div class="path">
          <div class="node port">
            <div class="title">:{bind.port}</div>
            <div class="sub">{bind.listening ? 'listening' : 'not listening'}</div>
            <div class="sub">{bind.inflight} in flight</div>
          </div>
          <div class="arrow">→</div>
          <div class="node listener">
            <div class="title">{l.name}</div>
            <div class="sub">{l.hostname ?? 'any host'}</div>
          </div>
          <div class="arrow">→</div>
          <div class="stack">
            {l.routes.length === 0 && <div class="sub">no routes</div>}
            {l.routes.map((r) => (
              <Route r={r} />
            ))}
          </div>
        </div>
      ))}
    </section>
  );
}

export function Overview({ runtime }: { runtime: Runtime }) {
  return (
    <div>
      <h1>Overview</h1>
      <p class="muted">
        {runtime.file} · version {runtime.version} · {runtime.pending.length === 0 ? 'ready' : `pending: ${runtime.pending.join(', ')}`}
      </p>
      {runtime.binds.length === 0 && <div class="card">No binds in the config.</div>}
      {runtime.binds.map((b) => (
        <Bind bind={b} />
      ))}
      <p class="muted legend">
        Health is passive, from the last requests each backend served: <span class="dot healthy" /> healthy <span class="dot degraded" />{' '}
        some failed <span class="dot failing" /> the last three failed <span class="dot unknown" /> no traffic yet.
      </p>
    </div>
  );
}
