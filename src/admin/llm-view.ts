// The llm section as /api/runtime shows it: its port(s), every model entry (provider, the model
// sent upstream, upstream origin, passive health from recent traffic, live state) and every
// virtual model with its targets. Secrets never appear: policies go through redact().
import type { RecentRequest } from '../observability/recent-requests.js';
import type { LiveEntryInfo } from '../runtime/live-state.js';
import type { AiGroupsRt, ModelRouterRt, RouteRt } from '../runtime/snapshot.js';
import { redact } from './redact.js';
import { backendView, type BackendView } from './runtime-view.js';
import type { AdminGateway } from './types.js';

export interface LlmModelView {
  name: string;
  visibility: 'public' | 'internal';
  backend: Omit<BackendView, 'policies'>;
}

export interface VirtualModelView {
  name: string;
  kind: 'weighted' | 'failover' | 'conditional';
  /** Targets as configured: `weight`, `priority` or `when` beside each model. */
  targets: { model: string; weight?: number; priority?: number; when?: string }[];
  /** Failover: the providers by priority, with health. */
  backend?: Omit<BackendView, 'policies'>;
}

export interface LlmView {
  ports: { port: number; listening: boolean; inflight: number }[];
  routeKey: string;
  models: LlmModelView[];
  virtualModels: VirtualModelView[];
  policies: Record<string, unknown>;
}

export function llmView(
  gw: AdminGateway,
  live: LiveEntryInfo[],
  recent: RecentRequest[],
  listening: ReadonlyMap<number, { listening: boolean; inflight: number }>,
): LlmView | null {
  const spec = gw.config.config.llm;
  const found = findRouter(gw);
  if (spec === undefined || found === null) return null;
  const { route, router, ports } = found;
  const mine = recent.filter((q) => q.route === route.key);
  const view = (g: AiGroupsRt) => {
    const names = new Set(g.groups.flat().map((p) => p.name));
    return backendView(
      g,
      live,
      mine.filter((q) => q.backend !== null && names.has(q.backend)),
    );
  };
  return {
    ports: ports.map((port) => ({
      port,
      listening: listening.get(port)?.listening ?? false,
      inflight: listening.get(port)?.inflight ?? 0,
    })),
    routeKey: route.key,
    models: [...router.models]
      .sort((a, b) => a.index - b.index)
      .map((m) => ({ name: m.name, visibility: m.visibility, backend: view(m.backend) })),
    virtualModels: (spec.virtualModels ?? []).map((v): VirtualModelView => {
      const rt = router.virtualModels.get(v.name);
      const r = v.routing;
      if (r.weighted !== undefined) return { name: v.name, kind: 'weighted', targets: r.weighted.targets.map((t) => ({ ...t })) };
      if (r.conditional !== undefined) return { name: v.name, kind: 'conditional', targets: r.conditional.targets.map((t) => ({ ...t })) };
      return {
        name: v.name,
        kind: 'failover',
        targets: r.failover!.targets.map((t) => ({ ...t })),
        ...(rt?.kind === 'failover' ? { backend: view(rt.backend) } : {}),
      };
    }),
    policies: redact(spec.policies ?? {}) as Record<string, unknown>,
  };
}

function findRouter(gw: AdminGateway): { route: RouteRt; router: ModelRouterRt; ports: number[] } | null {
  let found: { route: RouteRt; router: ModelRouterRt } | null = null;
  const ports: number[] = [];
  for (const [port, bind] of gw.snapshot.binds) {
    for (const l of bind.listeners) {
      for (const route of l.routes.routes) {
        const b = route.backends[0];
        if (b?.kind !== 'llm-router') continue;
        found ??= { route, router: b };
        ports.push(port);
      }
    }
  }
  return found === null ? null : { ...found, ports };
}
