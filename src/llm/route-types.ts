// Which kind of request a path is, from the `policies.ai.routes` suffix map: keys are path
// suffixes, the longest matching suffix wins, `*` catches the rest (agentgateway's rules).
// `anthropicTokenCount` (`/v1/messages/count_tokens`) is answered by the provider or counted by
// the gateway (pipeline/count-tokens.ts).
//
// Without a map, agentgateway's binds treat EVERY path as a chat completion, so a Responses or
// embeddings request is silently rewritten into one. This gateway uses a default map instead
// (the one agentgateway's `llm:` router uses, for the route types it has): chat completions,
// Anthropic messages and token counts by their paths, everything else passed through untouched
// (a provider that cannot serve a path says so; the built-in mock answers 404 naming it).
// `generateContent` is a native Gemini client (`...:generateContent`, `...:streamGenerateContent`;
// the model is in the path); `embeddings` an OpenAI `/v1/embeddings` client; `responses` an OpenAI
// `/v1/responses` client (passed to providers that speak it, translated for the others).
export type RouteType =
  | 'completions'
  | 'messages'
  | 'models'
  | 'passthrough'
  | 'detect'
  | 'anthropicTokenCount'
  | 'generateContent'
  | 'embeddings'
  | 'responses';

export interface RouteTypeTable {
  /** Suffix entries, longest first. */
  readonly suffixes: readonly (readonly [string, RouteType])[];
  readonly fallback: RouteType;
}

/** The map of a route that configures none. */
export const DEFAULT_ROUTE_TYPES: Readonly<Record<string, RouteType>> = {
  '/chat/completions': 'completions',
  '/messages': 'messages',
  '/messages/count_tokens': 'anthropicTokenCount',
  ':generateContent': 'generateContent',
  ':streamGenerateContent': 'generateContent',
  '/responses': 'responses',
  '/embeddings': 'embeddings',
  '*': 'passthrough',
};

export function compileRouteTypes(map: Record<string, RouteType> | undefined = DEFAULT_ROUTE_TYPES): RouteTypeTable {
  const suffixes = Object.entries(map)
    .filter(([k]) => k !== '*')
    .sort((a, b) => b[0].length - a[0].length);
  // A path no key matches is passed through, never parsed as something it is not.
  return { suffixes, fallback: map['*'] ?? 'passthrough' };
}

export function resolveRouteType(table: RouteTypeTable, path: string): RouteType {
  for (const [suffix, type] of table.suffixes) if (path.endsWith(suffix)) return type;
  return table.fallback;
}
