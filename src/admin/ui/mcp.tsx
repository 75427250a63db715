// MCP: every MCP backend, its open sessions, and per target its kind and address, health (from
// the connections sessions made), the server it reported and the tools it listed last.
import { allRoutes, type BackendView, type Runtime } from './api.js';

interface TargetView {
  name: string;
  kind: string;
  url?: string;
  cmd?: string;
  origin?: string;
  health: 'unknown' | 'up' | 'down';
  lastError: string | null;
  connections: number;
  server: { name?: unknown; version?: unknown } | null;
  tools: { name: string; description?: string }[] | null;
}

const HEALTH_DOT = { up: 'healthy', down: 'failing', unknown: 'unknown' } as const;

function Target({ t }: { t: TargetView }) {
  return (
    <tr data-target={t.name} data-health={t.health}>
      <td>
        <span class={`dot ${HEALTH_DOT[t.health]}`} title={t.lastError ?? t.health} /> {t.health}
      </td>
      <td>{t.name}</td>
      <td>{t.kind}</td>
      <td class="mono">{t.url ?? t.cmd ?? t.origin}</td>
      <td>{t.server ? `${String(t.server.name)} ${String(t.server.version ?? '')}` : <span class="muted">not connected yet</span>}</td>
      <td>{t.connections}</td>
      <td class="tools">
        {t.tools === null ? (
          <span class="muted">not listed yet</span>
        ) : (
          t.tools.map((tool) => (
            <div class="mono" title={tool.description ?? ''} data-tool={tool.name}>
              {tool.name}
            </div>
          ))
        )}
        {t.health === 'down' && t.lastError && <div class="bad">{t.lastError}</div>}
      </td>
    </tr>
  );
}

function Backend({ b, where }: { b: BackendView; where: string }) {
  const m = b.mcp as { sessions: number; targets: TargetView[] };
  return (
    <section class="card" data-mcp-backend={b.name}>
      <h2>
        {b.name} <span class="muted">{where}</span>
      </h2>
      <p class="muted">open sessions: {m.sessions}</p>
      <table>
        <thead>
          <tr>
            <th>health</th>
            <th>target</th>
            <th>kind</th>
            <th>address</th>
            <th>server</th>
            <th>connections</th>
            <th>tools</th>
          </tr>
        </thead>
        <tbody>
          {m.targets.map((t) => (
            <Target t={t} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function Mcp({ runtime }: { runtime: Runtime }) {
  const rows = allRoutes(runtime).flatMap(({ bind, route }) =>
    route.backends.filter((b) => b.kind === 'mcp').map((b) => ({ b, where: `:${bind.port} ${route.name ?? ''}` })),
  );
  return (
    <div>
      <h1>MCP servers</h1>
      {rows.length === 0 && <div class="card">No MCP backends in the config.</div>}
      {rows.map(({ b, where }) => (
        <Backend b={b} where={where} />
      ))}
    </div>
  );
}
