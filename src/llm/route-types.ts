// Which kind of request a path is, from the `policies.ai.routes` suffix map: keys are path
// suffixes, the longest matching suffix wins, `*` catches the rest, and without a map every
// request is a chat completion (agentgateway's rules). `anthropicTokenCount`
// (`/v1/messages/count_tokens`) is served on the llm listener.
export type RouteType = 'completions' | 'messages' | 'models' | 'passthrough' | 'detect' | 'anthropicTokenCount';

export interface RouteTypeTable {
  /** Suffix entries, longest first. */
  readonly suffixes: readonly (readonly [string, RouteType])[];
  readonly fallback: RouteType;
}

export function compileRouteTypes(map: Record<string, RouteType> | undefined): RouteTypeTable {
  if (map === undefined) return { suffixes: [], fallback: 'completions' };
  const suffixes = Object.entries(map)
    .filter(([k]) => k !== '*')
    .sort((a, b) => b[0].length - a[0].length);
  return { suffixes, fallback: map['*'] ?? 'completions' };
}

export function resolveRouteType(table: RouteTypeTable, path: string): RouteType {
  for (const [suffix, type] of table.suffixes) if (path.endsWith(suffix)) return type;
  return table.fallback;
}
