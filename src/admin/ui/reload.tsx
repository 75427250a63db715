// The config's sync state: a banner on every page while the file on disk is not what serves,
// the last reload result in full, and the history of the last reload attempts (GET
// /api/reloads) with what each changed and, for a refused one, the file, YAML path and line.
import { useEffect, useState } from 'preact/hooks';
import { api, type Problem, type ReloadResult, type Runtime } from './api.js';

export function ProblemList({ problems, onPick }: { problems: Problem[]; onPick?: (p: Problem) => void }) {
  return (
    <ul class="problems">
      {problems.map((p) => (
        <li class="problem" onClick={() => onPick?.(p)}>
          <span class="mono where">
            {p.line}:{p.col}
          </span>{' '}
          {p.path && <span class="mono">{p.path}: </span>}
          {p.message}
        </li>
      ))}
    </ul>
  );
}

export function SyncBanner({ runtime }: { runtime: Runtime }) {
  if (runtime.synchronized) return null;
  const last = runtime.lastReload;
  return (
    <div class="banner bad" id="out-of-sync">
      <strong>Config out of sync:</strong> the last reload failed, version {runtime.version} keeps serving.
      {last?.problems && <ProblemList problems={last.problems} />}
    </div>
  );
}

export function ReloadCard({ runtime }: { runtime: Runtime }) {
  const last = runtime.lastReload;
  return (
    <div>
      <h1>Reloads</h1>
      <section class="card" id="last-reload">
        <h2>Last reload</h2>
        {last === null && <p class="muted">none yet</p>}
        {last && (
          <dl>
            <dt>result</dt>
            <dd class={last.ok ? 'good' : 'bad'}>{last.ok ? 'applied' : 'rejected'}</dd>
            <dt>trigger</dt>
            <dd>{last.trigger}</dd>
            <dt>when</dt>
            <dd>{new Date(last.at).toLocaleString()}</dd>
            <dt>serving version</dt>
            <dd>{last.version}</dd>
            <dt>took</dt>
            <dd>{last.durationMs} ms</dd>
          </dl>
        )}
        {last?.problems && last.problems.length > 0 && <ProblemList problems={last.problems} />}
        {last && last.warnings.length > 0 && (
          <ul class="warnings">
            {last.warnings.map((w) => (
              <li>{w}</li>
            ))}
          </ul>
        )}
      </section>
      <ReloadHistory runtime={runtime} />
      <section class="card">
        <h2>Totals</h2>
        <p>
          {runtime.reloads.successes} applied, {runtime.reloads.failures} rejected; config{' '}
          {runtime.synchronized ? 'in sync' : 'out of sync'} with <span class="mono">{runtime.file}</span>
        </p>
        {runtime.watchedFiles.length > 0 && (
          <p>
            Also watching: <span class="mono">{runtime.watchedFiles.join(', ')}</span>
          </p>
        )}
      </section>
    </div>
  );
}

const TRIGGERS: Record<string, string> = { startup: 'startup', file: 'file watch', api: 'admin API' };

/** The last reload attempts, newest first; refetched whenever the runtime counts one more. */
function ReloadHistory({ runtime }: { runtime: Runtime }) {
  const [history, setHistory] = useState<ReloadResult[] | null>(null);
  const attempts = runtime.reloads.successes + runtime.reloads.failures;
  useEffect(() => {
    api<{ reloads: ReloadResult[] }>('/api/reloads')
      .then((r) => setHistory(r.reloads))
      .catch(() => {});
  }, [attempts]);
  if (history === null) return null;
  return (
    <section class="card" id="reload-history">
      <h2>History (last {history.length})</h2>
      <table>
        <thead>
          <tr>
            <th>when</th>
            <th>source</th>
            <th>result</th>
            <th>version</th>
            <th>what changed / why refused</th>
          </tr>
        </thead>
        <tbody>
          {history.map((r) => (
            <tr class="reload-row" data-ok={String(r.ok)} data-trigger={r.trigger}>
              <td>{new Date(r.at).toLocaleTimeString()}</td>
              <td>{TRIGGERS[r.trigger] ?? r.trigger}</td>
              <td class={r.ok ? 'good' : 'bad'}>{r.ok ? 'applied' : 'refused'}</td>
              <td>{r.version}</td>
              <td>{r.ok ? <DiffSummary r={r} /> : <Refusal r={r} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function DiffSummary({ r }: { r: ReloadResult }) {
  const d = r.diff;
  if (d === undefined) return <span class="muted">{r.trigger === 'startup' ? 'initial config' : '—'}</span>;
  const parts = (['routes', 'backends', 'policies'] as const).flatMap((kind) =>
    (['added', 'removed', 'changed'] as const).flatMap((how) => (d[kind][how].length === 0 ? [] : [{ kind, how, names: d[kind][how] }])),
  );
  if (parts.length === 0) return <span class="muted diff">no route, backend or policy changed</span>;
  return (
    <ul class="diff">
      {parts.map((p) => (
        <li data-diff={`${p.kind}-${p.how}`}>
          <span class={p.how === 'removed' ? 'bad' : p.how === 'added' ? 'good' : 'warn'}>
            {p.kind} {p.how}:
          </span>{' '}
          <span class="mono">{p.names.join(', ')}</span>
        </li>
      ))}
    </ul>
  );
}

function Refusal({ r }: { r: ReloadResult }) {
  return (
    <div class="refusal">
      {(r.problems ?? []).map((p) => (
        <div class="mono" data-problem-line={p.line}>
          {r.file}:{p.line}:{p.col}: {p.path && `${p.path}: `}
          {p.message}
        </div>
      ))}
      {(r.problems ?? []).length === 0 && <div class="mono">{r.error}</div>}
      {r.trigger !== 'api' && (
        <a href="#/config" id="open-in-editor">
          open in the editor
        </a>
      )}
    </div>
  );
}
