// The admin UI shell: navigation by URL hash, the admin token prompt, and the polling that
// keeps the runtime picture (every 2 s) live.
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, saveToken, Unauthorized, type Runtime } from './api.js';
import { ConfigEditor } from './editor.js';
import { hashPage } from './hash.js';
import { Keys } from './keys.js';
import { Mcp } from './mcp.js';
import { Overview } from './overview.js';
import { Policies, Providers } from './providers.js';
import { ReloadCard, SyncBanner } from './reload.js';
import { Requests } from './requests.js';
import { Traffic } from './traffic.js';

const PAGES = [
  ['overview', 'Overview'],
  ['traffic', 'Traffic'],
  ['providers', 'LLM providers'],
  ['mcp', 'MCP servers'],
  ['policies', 'Policies'],
  ['keys', 'Keys'],
  ['config', 'Config'],
  ['requests', 'Requests'],
  ['reloads', 'Reloads'],
] as const;

type Page = (typeof PAGES)[number][0];

function currentPage(): Page {
  const h = hashPage();
  return (PAGES.find(([id]) => id === h)?.[0] ?? 'overview') as Page;
}

function TokenPrompt({ onSaved }: { onSaved: () => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="card token"
      onSubmit={(e) => {
        e.preventDefault();
        saveToken(value.trim());
        onSaved();
      }}
    >
      <h2>Admin token</h2>
      <p>This admin server requires a token (ADMIN_TOKEN or config.adminToken). It is kept for this browser tab only.</p>
      <input id="token" type="password" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} autoFocus />
      <button type="submit">Continue</button>
    </form>
  );
}

function App() {
  const [page, setPage] = useState<Page>(currentPage());
  const [runtime, setRuntime] = useState<Runtime | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [needToken, setNeedToken] = useState(false);

  const refresh = useCallback(async () => {
    try {
      setRuntime(await api<Runtime>('/api/runtime'));
      setError(null);
      setNeedToken(false);
    } catch (e) {
      if (e instanceof Unauthorized) setNeedToken(true);
      else setError(`cannot reach the admin API: ${(e as Error).message}`);
    }
  }, []);

  useEffect(() => {
    const onHash = () => setPage(currentPage());
    addEventListener('hashchange', onHash);
    void refresh();
    const timer = setInterval(() => void refresh(), 2000);
    return () => {
      removeEventListener('hashchange', onHash);
      clearInterval(timer);
    };
  }, [refresh]);

  return (
    <div class="layout">
      <nav>
        <div class="brand">agentgateway</div>
        {PAGES.map(([id, label]) => (
          <a href={`#/${id}`} class={page === id ? 'active' : ''} id={`nav-${id}`}>
            {label}
          </a>
        ))}
        {runtime && <div class="version">config v{runtime.version}</div>}
      </nav>
      <main>
        {needToken && <TokenPrompt onSaved={() => void refresh()} />}
        {error && <div class="banner bad">{error}</div>}
        {runtime && <SyncBanner runtime={runtime} />}
        {runtime && !needToken && <PageView page={page} runtime={runtime} refresh={refresh} />}
      </main>
    </div>
  );
}

function PageView({ page, runtime, refresh }: { page: Page; runtime: Runtime; refresh: () => Promise<void> }) {
  switch (page) {
    case 'overview':
      return <Overview runtime={runtime} />;
    case 'traffic':
      return <Traffic />;
    case 'providers':
      return <Providers runtime={runtime} />;
    case 'mcp':
      return <Mcp runtime={runtime} />;
    case 'policies':
      return <Policies runtime={runtime} />;
    case 'keys':
      return <Keys />;
    case 'config':
      return <ConfigEditor runtime={runtime} onApplied={refresh} />;
    case 'requests':
      return <Requests runtime={runtime} />;
    case 'reloads':
      return <ReloadCard runtime={runtime} />;
  }
}

render(<App />, document.getElementById('app')!);
