// The config's sync state: a banner on every page while the file on disk is not what serves,
// and the last reload result in full.
import type { Problem, Runtime } from './api.js';

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
