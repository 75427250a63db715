// LLM providers and models (every AI backend, where it sends, which model; the llm section's
// models and virtual models), and the policies in force per route (secrets arrive redacted).
import { allRoutes, type BackendView, type ProviderView, type Runtime } from './api.js';
import { HealthDot } from './overview.js';

/**
 * A backend with priority groups as what it is: one group, its providers tier by tier (the
 * first tier serves while it has a provider in rotation), each with its own provider kind,
 * model, upstream and health; not as one row named after its first provider.
 */
function ProviderGroup({ b, route, columns }: { b: BackendView; route?: string; columns: number }) {
  const groups = b.groups!;
  const count = groups.reduce((n, g) => n + g.length, 0);
  return (
    <>
      <tr class="provider-group" data-group={b.name}>
        <td>
          <HealthDot b={b} />
        </td>
        <td colSpan={columns - 1}>
          <strong>{b.name}</strong> · failover group of {count} providers in {groups.length} priority tier{groups.length > 1 ? 's' : ''}
          {route !== undefined && <span class="muted"> · route {route}</span>}
        </td>
      </tr>
      {groups.flatMap((g, tier) => g.map((p) => <GroupMember p={p} tier={tier} group={b.name ?? ''} route={route} />))}
    </>
  );
}

function GroupMember({ p, tier, group, route }: { p: ProviderView; tier: number; group: string; route: string | undefined }) {
  return (
    <tr class="group-member" data-provider={p.name} data-group-member={group} data-tier={tier}>
      <td>
        <HealthDot b={{ health: p.health, policies: {} }} />
      </td>
      <td>
        <span class="tier">{tier === 0 ? 'primary' : `fallback ${tier}`}</span> {p.name}
      </td>
      <td data-provider-kind={p.provider}>{p.provider}</td>
      <td class="mono">{p.model ?? <span class="muted">client's choice</span>}</td>
      <td class="mono">{p.target ?? <span class="muted">answered locally</span>}</td>
      {route !== undefined && <td />}
      {route !== undefined && <td />}
    </tr>
  );
}

export function Providers({ runtime }: { runtime: Runtime }) {
  return (
    <div>
      {runtime.llm !== null && <LlmModels runtime={runtime} />}
      <RouteProviders runtime={runtime} />
    </div>
  );
}

/** The llm section: what clients may put in "model", and where each goes. */
function LlmModels({ runtime }: { runtime: Runtime }) {
  const llm = runtime.llm!;
  return (
    <div>
      <h1>Models (llm on {llm.ports.map((p) => `:${p.port}`).join(', ')})</h1>
      <table class="card" data-llm-models="">
        <thead>
          <tr>
            <th>health</th>
            <th>model</th>
            <th>provider</th>
            <th>sent upstream as</th>
            <th>upstream</th>
          </tr>
        </thead>
        <tbody>
          {llm.models.map((m) =>
            m.backend.groups !== undefined ? (
              <ProviderGroup b={{ ...m.backend, name: m.name, policies: {} }} columns={5} />
            ) : (
              <tr data-model={m.name}>
                <td>
                  <HealthDot b={{ ...m.backend, policies: {} }} />
                </td>
                <td class="mono">
                  {m.name}
                  {m.visibility === 'internal' && <span class="muted"> (internal)</span>}
                </td>
                <td>{m.backend.provider}</td>
                <td class="mono">{m.backend.model ?? <span class="muted">client's choice</span>}</td>
                <td class="mono">{m.backend.target ?? <span class="muted">answered locally</span>}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
      {llm.virtualModels.length > 0 && (
        <table class="card" data-llm-virtual-models="">
          <thead>
            <tr>
              <th>virtual model</th>
              <th>routing</th>
              <th>targets</th>
            </tr>
          </thead>
          <tbody>
            {llm.virtualModels.map((v) => (
              <tr data-virtual-model={v.name}>
                <td class="mono">{v.name}</td>
                <td>{v.kind}</td>
                <td class="mono">
                  {v.targets
                    .map((t) =>
                      t.weight !== undefined
                        ? `${t.model} (weight ${t.weight})`
                        : t.priority !== undefined
                          ? `${t.model} (priority ${t.priority})`
                          : t.when !== undefined
                            ? `${t.model} when ${t.when}`
                            : `${t.model} (otherwise)`,
                    )
                    .join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {llm.virtualModels
        .filter((v) => v.backend?.groups !== undefined)
        .map((v) => (
          <table class="card" data-virtual-failover={v.name}>
            <tbody>
              <ProviderGroup b={{ ...v.backend!, name: v.name, policies: {} }} columns={5} />
            </tbody>
          </table>
        ))}
    </div>
  );
}

function RouteProviders({ runtime }: { runtime: Runtime }) {
  const rows = allRoutes(runtime).flatMap(({ bind, route }) =>
    route.backends.filter((b) => b.kind === 'ai').map((b) => ({ bind, route, b })),
  );
  return (
    <div>
      <h1>LLM providers and models</h1>
      {rows.length === 0 && runtime.llm === null && <div class="card">No LLM backends in the config.</div>}
      {rows.length > 0 && (
        <table class="card">
          <thead>
            <tr>
              <th>health</th>
              <th>name</th>
              <th>provider</th>
              <th>model</th>
              <th>upstream</th>
              <th>route</th>
              <th>route types</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ bind, route, b }) =>
              b.groups !== undefined ? (
                <ProviderGroup b={b} route={`:${bind.port} ${route.name ?? ''}`} columns={7} />
              ) : (
                <tr data-provider={b.name}>
                  <td>
                    <HealthDot b={b} />
                  </td>
                  <td>{b.name}</td>
                  <td>{b.provider}</td>
                  <td>{b.model ?? <span class="muted">client's choice</span>}</td>
                  <td class="mono">{b.target ?? <span class="muted">answered locally</span>}</td>
                  <td>
                    :{bind.port} {route.name}
                  </td>
                  <td class="mono">
                    {Object.entries(b.routeTypes ?? {})
                      .map(([suffix, type]) => `${suffix} → ${type}`)
                      .join(', ')}
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Json({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function Policies({ runtime }: { runtime: Runtime }) {
  return (
    <div>
      <h1>Policies per route</h1>
      {allRoutes(runtime).map(({ bind, listener, route }) => {
        const backendPolicies = route.backends.filter((b) => Object.keys(b.policies).length > 0);
        return (
          <section class="card" data-policies-route={route.name ?? ''}>
            <h2>
              :{bind.port} / {listener} / {route.name ?? '(unnamed)'}
            </h2>
            {Object.keys(route.policies).length === 0 && backendPolicies.length === 0 && !route.backends.some((b) => b.ai) && (
              <p class="muted">No policies.</p>
            )}
            {Object.keys(route.policies).length > 0 && (
              <div>
                <h3>Route</h3>
                <Json value={route.policies} />
              </div>
            )}
            {backendPolicies.map((b) => (
              <div>
                <h3>Backend {b.name}</h3>
                <Json value={b.policies} />
              </div>
            ))}
            {route.backends
              .filter((b) => b.ai)
              .map((b) => (
                <EffectiveAi b={b} />
              ))}
          </section>
        );
      })}
    </div>
  );
}

/** The LLM policy that applies to an AI backend (route, backend and provider layers merged per field). */
function EffectiveAi({ b }: { b: BackendView }) {
  const ai = b.ai!;
  return (
    <div data-effective-ai={b.name}>
      <h3>LLM policy in force for {b.name}</h3>
      <table>
        <tbody>
          {Object.entries(ai.from).map(([field, path]) => (
            <tr data-ai-field={field}>
              <td>{field}</td>
              <td class="mono muted">from {path}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Json value={ai.policy} />
    </div>
  );
}
