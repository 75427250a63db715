// What a reload changed, in the words an operator thinks in: routes, backends and policies
// added, removed or changed (the admin UI's reload history). Things are named by where they
// sit (`:3000/main/chat`, `:3000/main/chat/openai`, `:3000/main/chat.localRateLimit`, `llm/gpt-4o`),
// so a rename reads as a removal and an addition. Only names leave this file, never values:
// a policy's secret that changed shows as "changed", not as its old and new value.
import type { ConfigT } from './schema/root.js';

export interface DiffPart {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface ConfigDiff {
  routes: DiffPart;
  backends: DiffPart;
  policies: DiffPart;
}

type Items = Map<string, string>;

interface Collected {
  routes: Items;
  backends: Items;
  policies: Items;
}

/** The routes, backends and policies of `next` that `prev` lacked, that it had, and that differ. */
export function configDiff(prev: ConfigT, next: ConfigT): ConfigDiff {
  const a = collect(prev);
  const b = collect(next);
  return { routes: compare(a.routes, b.routes), backends: compare(a.backends, b.backends), policies: compare(a.policies, b.policies) };
}

/** True when nothing a diff names changed (a reload that touched other settings only). */
export function emptyDiff(d: ConfigDiff): boolean {
  return [d.routes, d.backends, d.policies].every((p) => p.added.length + p.removed.length + p.changed.length === 0);
}

function compare(before: Items, after: Items): DiffPart {
  const part: DiffPart = { added: [], removed: [], changed: [] };
  for (const [k, v] of after) {
    const old = before.get(k);
    if (old === undefined) part.added.push(k);
    else if (old !== v) part.changed.push(k);
  }
  for (const k of before.keys()) if (!after.has(k)) part.removed.push(k);
  // Sorted: the summary reads the same whatever order the schema put keys in.
  part.added.sort();
  part.removed.sort();
  part.changed.sort();
  return part;
}

function collect(c: ConfigT): Collected {
  const out: Collected = { routes: new Map(), backends: new Map(), policies: new Map() };
  for (const bind of c.binds ?? []) {
    bind.listeners.forEach((l, li) => {
      const listener = `:${bind.port}/${l.name ?? `listener${li}`}`;
      policies(out, listener, l.policies);
      (l.routes ?? []).forEach((r, ri) => {
        const route = `${listener}/${r.name ?? `route${ri}`}`; // the names the route keys use
        const { policies: rp, backends, ...shape } = r;
        out.routes.set(route, stable(shape));
        policies(out, route, rp);
        backends.forEach((b, bi) => {
          const id = `${route}/${backendName(b) ?? bi}`;
          const { policies: bp, ...rest } = b;
          out.backends.set(id, stable(rest));
          policies(out, id, bp);
        });
      });
    });
  }
  policies(out, 'frontend', c.frontendPolicies);
  const llm = c.llm;
  if (llm !== undefined) {
    for (const m of llm.models) out.backends.set(`llm/${m.name}`, stable(m));
    for (const v of llm.virtualModels ?? []) out.backends.set(`llm/${v.name} (virtual)`, stable(v));
    for (const p of llm.providers ?? []) out.backends.set(`llm/providers/${p.name}`, stable(p));
    policies(out, 'llm', llm.policies);
  }
  return out;
}

function policies(out: Collected, at: string, p: object | undefined): void {
  for (const [name, v] of Object.entries(p ?? {})) if (v !== undefined) out.policies.set(`${at}.${name}`, stable(v));
}

function backendName(b: { host?: string | undefined; ai?: { name?: string | undefined }; mcp?: unknown }): string | undefined {
  if (b.host !== undefined) return b.host;
  if (b.ai?.name !== undefined) return b.ai.name;
  return undefined;
}

/** JSON with object keys sorted, so key order in the YAML is not a change. */
function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)))
      : x,
  );
}
