// What the gateway knows about a provider: small on purpose (agentgateway's provider modules
// are a name, a default host, a base path and a path per format). Translation lives in convert/.
import type { ApiFormat, Conversion, Json } from '../convert/types.js';

/** What the upstream path may depend on: Bedrock, Gemini and Vertex put the model and the method in it. */
export interface UpstreamRequest {
  readonly model: string;
  readonly stream: boolean;
}

/** Where and how a provider counts a model's tokens. */
export interface TokenCount {
  readonly path: string;
  readonly conversion: Conversion;
}

export interface Provider {
  /** Telemetry name (`gen_ai.provider.name`, agentgateway's Provider::NAME) and price-catalog key. */
  readonly name: string;
  /** Formats the provider accepts natively, preferred first. */
  readonly formats: readonly ApiFormat[];
  /** Default upstream host and port (TLS); undefined for providers answered locally. */
  readonly host?: string;
  readonly port: number;
  /** Whether the default host speaks TLS (default true; local servers such as Ollama do not). */
  readonly tls?: boolean;
  /** Default base path replaced by `pathPrefix`. */
  readonly basePath: string;
  /** Path after the base for a request of `format` (it may carry a query string: `?api-version=`, `?alt=sse`). */
  path(format: ApiFormat, req: UpstreamRequest): string;
  /**
   * The format a client of `client` format is served in, when it depends on more than the list
   * (Azure Foundry: Claude models speak Messages; Vertex: Anthropic models speak Messages, Gemini
   * models generateContent, others the OpenAI-compatible endpoint). Default: the client's own if
   * accepted, else the first.
   */
  formatFor?(client: ApiFormat, model: string): ApiFormat;
  /** Last touches to a body already in the provider's format (Bedrock's guardrail, Vertex's Anthropic fields). */
  prepareBody?(format: ApiFormat, body: Json): Json;
  /** The header carrying an injected API key (the client's own credentials are removed). */
  credential(key: string): { name: string; value: string };
  /**
   * Where a client's own `Authorization: Bearer <token>` must go instead (Anthropic API keys go
   * in x-api-key, Azure keys in api-key, Google API keys in x-goog-api-key on native Gemini
   * requests); undefined keeps it as it is.
   */
  relocateBearer?(token: string, format: ApiFormat | null): string | undefined;
  /** Headers the provider requires, added when the client did not send them. */
  readonly requiredHeaders: readonly [string, string][];
  /** Path after the base of its own Anthropic-style token counting; unset: counted by the gateway. */
  readonly countTokensPath?: string;
  /**
   * Its own token counting (Bedrock CountTokens, Gemini and Vertex countTokens, Claude on Vertex):
   * for a model, the path and the conversion of an Anthropic count_tokens body to it and of its
   * answer back; undefined: the model is counted by the gateway.
   */
  readonly tokenCount?: (model: string) => TokenCount | undefined;
  /** The gateway signs or mints the credential itself when no key is configured (`aws`: SigV4, `gcp`: Google OAuth). */
  readonly implicitAuth?: 'aws' | 'gcp';
}

const PATHS: Partial<Record<ApiFormat, string>> = {
  completions: '/chat/completions',
  messages: '/messages',
  responses: '/responses',
  embeddings: '/embeddings',
};

export function formatPath(format: ApiFormat): string {
  return PATHS[format] ?? '/chat/completions';
}

/** The provider format a request of the client's format is sent in. */
export function providerFormat(p: Provider, client: ApiFormat, model: string): ApiFormat {
  if (p.formatFor !== undefined) return p.formatFor(client, model);
  return p.formats.includes(client) ? client : p.formats[0]!;
}
