// Older agentgateway shapes, still common in blog posts and the migration guide's companion
// repo, normalised into the current form: `match: {path: X}` becomes
// `matches: [{path: {pathPrefix: X}}]` and `ai.routes` moves to `ai.policies.ai.routes`.
// Each kind of old shape gets one deprecation line naming the first place it was found.
import { formatPath, type ConfigProblem } from './errors.js';
import type { ConfigT } from './schema/root.js';

type Locate = (path: readonly PropertyKey[]) => { line: number; col: number };

export function normalize(config: ConfigT, file: string, locate: Locate, problems: ConfigProblem[]): string[] {
  const found = new Map<string, { at: string; replacement: string; count: number }>();
  const note = (path: PropertyKey[], what: string, replacement: string) => {
    const seen = found.get(what);
    if (seen) return void seen.count++;
    const { line, col } = locate(path);
    found.set(what, { at: `${file}:${line}:${col}`, replacement, count: 1 });
  };
  config.binds?.forEach((bind, b) =>
    bind.listeners.forEach((listener, l) =>
      listener.routes?.forEach((route, r) => {
        const base = ['binds', b, 'listeners', l, 'routes', r];
        if (route.match !== undefined) {
          if (route.matches !== undefined) {
            const path = [...base, 'match'];
            problems.push({ path: formatPath(path), ...locate(path), message: 'use either match or matches, not both' });
          }
          note([...base, 'match'], '`match: {path: X}`', '`matches: [{path: {pathPrefix: X}}]`');
          route.matches = [{ path: { pathPrefix: route.match.path } }];
          delete route.match;
        }
        route.backends.forEach((backend, i) => {
          const ai = backend.ai;
          if (ai?.routes === undefined) return;
          note([...base, 'backends', i, 'ai', 'routes'], '`ai.routes`', '`ai.policies.ai.routes`');
          ai.policies ??= {};
          ai.policies.ai ??= {};
          ai.policies.ai.routes = { ...ai.routes, ...ai.policies.ai.routes };
          delete ai.routes;
        });
      }),
    ),
  );
  return [...found.entries()].map(
    ([what, { at, replacement, count }]) => `${at}: ${what} is deprecated${count > 1 ? ` (${count} places)` : ''}; write ${replacement}`,
  );
}
