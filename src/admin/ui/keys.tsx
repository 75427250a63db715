// Virtual keys and teams (the keys: section): spend against each budget, and the actions an
// operator needs: create (the secret is shown once, here), rotate, revoke, set a budget. Keys
// declared in the config file are shown read-only. Refreshed every 2 s.
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { BudgetView, KeysView, KeyView, TeamView } from '../keys-view.js';
import { api } from './api.js';

type Unit = 'usd' | 'tokens';
type Period = 'daily' | 'monthly' | 'total';

interface Shown {
  readonly what: string;
  readonly secret: string;
}

const usd = (n: number) => (n === 0 ? '$0' : n < 0.01 ? `$${n.toPrecision(2)}` : `$${n.toFixed(2)}`);
const amount = (unit: Unit, n: number) => (unit === 'usd' ? usd(n) : `${Math.round(n).toLocaleString()} tok`);

async function send(method: string, path: string, body?: unknown): Promise<{ error?: string; secret?: string }> {
  return api(path, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
}

export function Keys() {
  const [view, setView] = useState<KeysView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState<Shown | null>(null);
  const refresh = useCallback(async () => {
    const v = await api<KeysView & { error?: string }>('/api/keys').catch((e: Error) => ({ error: e.message }) as { error: string });
    if ('keys' in v) setView(v);
    setError(v.error ?? null);
  }, []);
  useEffect(() => {
    void refresh();
    const t = setInterval(() => void refresh(), 2000);
    return () => clearInterval(t);
  }, [refresh]);
  const act = async (p: Promise<{ error?: string; secret?: string }>, what: string) => {
    const r = await p;
    if (r.error !== undefined) setError(r.error);
    else {
      setError(null);
      if (r.secret !== undefined) setShown({ what, secret: r.secret });
    }
    await refresh();
  };
  if (view === null) return <div class="card muted">{error ?? 'Loading keys…'}</div>;
  return (
    <div>
      <h1>Virtual keys</h1>
      <p class="muted">
        Store: {view.store.kind} <span class="mono">{view.store.where}</span>. Secrets are kept only as their SHA-256.
      </p>
      {error !== null && (
        <div class="banner bad" id="keys-error">
          {error}
        </div>
      )}
      {shown !== null && (
        <div class="banner" id="new-secret">
          {shown.what}: <span class="mono secret">{shown.secret}</span> — copy it now, it is not shown again.{' '}
          <button type="button" onClick={() => setShown(null)}>
            Done
          </button>
        </div>
      )}
      <CreateKey onCreate={(body) => act(send('POST', '/api/keys', body), `Secret of "${String(body.name)}"`)} />
      <table class="card" id="keys">
        <thead>
          <tr>
            <th>key</th>
            <th>team</th>
            <th>user / app</th>
            <th>status</th>
            <th>today</th>
            <th>this month</th>
            <th>total</th>
            <th>budgets</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {view.keys.map((k) => (
            <KeyRow key={k.id} k={k} act={act} />
          ))}
        </tbody>
      </table>
      {view.teams.length > 0 && <Teams teams={view.teams} />}
    </div>
  );
}

function KeyRow({ k, act }: { k: KeyView; act: (p: Promise<{ error?: string; secret?: string }>, what: string) => Promise<void> }) {
  const [editing, setEditing] = useState(false);
  const s = k.spend;
  const live = !k.readOnly && k.status === 'active';
  return (
    <tr data-key={k.name} data-status={k.status}>
      <td>
        <div>{k.name}</div>
        <div class="muted mono">{k.hint}</div>
        {k.readOnly && <div class="muted">from the config file</div>}
      </td>
      <td>{k.team ?? '—'}</td>
      <td>{[k.user, k.app].filter((x) => x !== undefined).join(' / ') || '—'}</td>
      <td class={k.status === 'active' ? 'good' : 'bad'}>{k.status}</td>
      <td class="spend-today">{usd(s.today.usd)}</td>
      <td class="spend-month">{usd(s.month.usd)}</td>
      <td class="spend-total">
        {usd(s.total.usd)} · {s.total.tokens.toLocaleString()} tok · {s.requests} req
      </td>
      <td class="budgets">
        <Budgets budgets={k.budgets} />
        {editing && (
          <BudgetForm
            onSave={(b) => {
              setEditing(false);
              void act(send('PATCH', `/api/keys/${encodeURIComponent(k.id)}`, { budgets: [b] }), 'budget');
            }}
          />
        )}
      </td>
      <td class="actions">
        {live && (
          <>
            <button type="button" class="set-budget" onClick={() => setEditing(!editing)}>
              Set budget
            </button>{' '}
            <button
              type="button"
              class="rotate"
              onClick={() => void act(send('POST', `/api/keys/${encodeURIComponent(k.id)}/rotate`), `New secret of "${k.name}"`)}
            >
              Rotate
            </button>{' '}
            <button
              type="button"
              class="revoke"
              onClick={() =>
                confirm(`Revoke "${k.name}"? It stops working at once.`) &&
                void act(send('POST', `/api/keys/${encodeURIComponent(k.id)}/revoke`), 'revoke')
              }
            >
              Revoke
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

function Budgets({ budgets }: { budgets: BudgetView[] }) {
  if (budgets.length === 0) return <span class="muted">none</span>;
  return (
    <>
      {budgets.map((b) => (
        <div class={`budget ${b.remaining === 0 ? 'bad' : b.softCrossed ? 'warn' : ''}`} data-unit={b.unit} data-period={b.period}>
          {amount(b.unit, b.spent)}
          {b.limit !== undefined && ` of ${amount(b.unit, b.limit)}`}
          {b.soft !== undefined && ` (alert at ${amount(b.unit, b.soft)})`} {b.period}
        </div>
      ))}
    </>
  );
}

function BudgetForm({ onSave }: { onSave: (b: { unit: Unit; period: Period; limit: number; soft?: number }) => void }) {
  const [unit, setUnit] = useState<Unit>('usd');
  const [period, setPeriod] = useState<Period>('monthly');
  const [limit, setLimit] = useState('');
  const [soft, setSoft] = useState('');
  return (
    <form
      class="budget-form"
      onSubmit={(e) => {
        e.preventDefault();
        onSave({ unit, period, limit: Number(limit), ...(soft !== '' ? { soft: Number(soft) } : {}) });
      }}
    >
      <BudgetKind unit={unit} period={period} setUnit={setUnit} setPeriod={setPeriod} />
      <input name="limit" placeholder="limit" value={limit} onInput={(e) => setLimit((e.target as HTMLInputElement).value)} />
      <input name="soft" placeholder="alert at" value={soft} onInput={(e) => setSoft((e.target as HTMLInputElement).value)} />
      <button type="submit">Save</button>
    </form>
  );
}

function CreateKey({ onCreate }: { onCreate: (body: Record<string, unknown>) => Promise<void> }) {
  const [f, setF] = useState({ name: '', team: '', user: '', app: '', models: '', limit: '' });
  const [unit, setUnit] = useState<Unit>('usd');
  const [period, setPeriod] = useState<Period>('monthly');
  const field = (k: keyof typeof f, placeholder: string) => (
    <input name={k} placeholder={placeholder} value={f[k]} onInput={(e) => setF({ ...f, [k]: (e.target as HTMLInputElement).value })} />
  );
  return (
    <form
      class="card toolbar create-key"
      onSubmit={(e) => {
        e.preventDefault();
        const body: Record<string, unknown> = { name: f.name.trim() };
        for (const k of ['team', 'user', 'app'] as const) if (f[k].trim() !== '') body[k] = f[k].trim();
        const models = f.models
          .split(',')
          .map((m) => m.trim())
          .filter((m) => m !== '');
        if (models.length > 0) body.allowedModels = models;
        if (f.limit.trim() !== '') body.budgets = [{ unit, period, limit: Number(f.limit) }];
        void onCreate(body).then(() => setF({ name: '', team: '', user: '', app: '', models: '', limit: '' }));
      }}
    >
      {field('name', 'name')}
      {field('team', 'team')}
      {field('user', 'user')}
      {field('app', 'app')}
      {field('models', 'allowed models (a, b*)')}
      {field('limit', 'budget')}
      <BudgetKind unit={unit} period={period} setUnit={setUnit} setPeriod={setPeriod} />
      <button type="submit" id="create-key">
        Create key
      </button>
    </form>
  );
}

function Teams({ teams }: { teams: TeamView[] }) {
  return (
    <>
      <h2>Teams</h2>
      <table class="card" id="teams">
        <thead>
          <tr>
            <th>team</th>
            <th>keys</th>
            <th>this month</th>
            <th>total</th>
            <th>budgets</th>
          </tr>
        </thead>
        <tbody>
          {teams.map((t) => (
            <tr data-team={t.name}>
              <td>
                {t.name}
                {t.readOnly && <div class="muted">from the config file</div>}
              </td>
              <td>{t.keys}</td>
              <td>{usd(t.spend.month.usd)}</td>
              <td>
                {usd(t.spend.total.usd)} · {t.spend.total.tokens.toLocaleString()} tok
              </td>
              <td>
                <Budgets budgets={t.budgets} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** A budget's unit and period, as two selects (the create and set-budget forms share them). */
function BudgetKind(p: { unit: Unit; period: Period; setUnit: (u: Unit) => void; setPeriod: (p: Period) => void }) {
  return (
    <>
      <select name="unit" value={p.unit} onChange={(e) => p.setUnit((e.target as HTMLSelectElement).value as Unit)}>
        <option value="usd">USD</option>
        <option value="tokens">tokens</option>
      </select>
      <select name="period" value={p.period} onChange={(e) => p.setPeriod((e.target as HTMLSelectElement).value as Period)}>
        <option value="daily">daily</option>
        <option value="monthly">monthly</option>
        <option value="total">total</option>
      </select>
    </>
  );
}
