// The error dialect of an LLM client, decided beside the route types it follows from: a
// `messages` (or `count_tokens`) request is an Anthropic client, a `completions`, `responses` or
// `embeddings` one an OpenAI client, a `generateContent` one a native Gemini client (Google's
// errors), and the other route types (passthrough, detect, models) get the dialect of the
// provider behind the route; on the llm listener, which has no single provider, a client that
// sends `anthropic-version` (the Anthropic SDKs always do) is an Anthropic client. Before a
// route is known (the server refusing a body, no route matching), the path alone decides, with
// the suffixes the default route types use: `/messages` and `/messages/count_tokens` are
// Anthropic's, `:generateContent` and `:streamGenerateContent` Google's. One function, so an
// early 413 and a later 401 on the same path agree.
import type { ApiFormat } from './convert/types.js';
import type { ErrorDialect } from './formats/errors.js';
import { resolveRouteType, type RouteTypeTable } from './route-types.js';

/** What a route knows of its LLM backend: its route types and its (first) provider's format. */
export interface DialectRule {
  readonly routeTypes: RouteTypeTable;
  /** null: no single provider (the llm listener's model router). */
  readonly providerFormat: ApiFormat | null;
}

export function llmDialect(path: string, rule: DialectRule | null, header?: (name: string) => string | undefined): ErrorDialect {
  if (rule !== null) {
    const type = resolveRouteType(rule.routeTypes, path);
    if (type === 'messages' || type === 'anthropicTokenCount') return 'anthropic';
    if (type === 'generateContent') return 'google';
    if (type === 'completions' || type === 'embeddings' || type === 'responses') return 'openai';
    if (rule.providerFormat !== null) return rule.providerFormat === 'messages' ? 'anthropic' : 'openai';
    if (header?.('anthropic-version') !== undefined) return 'anthropic';
  }
  if (path.endsWith('/messages') || path.endsWith('/messages/count_tokens')) return 'anthropic';
  return path.endsWith(':generateContent') || path.endsWith(':streamGenerateContent') ? 'google' : 'openai';
}
