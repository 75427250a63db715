// What the gateway knows about a provider: small on purpose (agentgateway's provider modules
// are a name, a default host, a base path and a path per format). Translation lives in convert/.
import type { ApiFormat } from '../convert/types.js';

export interface Provider {
  /** Telemetry name (`gen_ai.provider.name`). */
  readonly name: string;
  /** Formats the provider accepts natively, preferred first. */
  readonly formats: readonly ApiFormat[];
  /** Default upstream host and port (TLS); undefined for providers answered locally. */
  readonly host?: string;
  readonly port: number;
  /** Default base path replaced by `pathPrefix`. */
  readonly basePath: string;
  /** Path after the base for a request of `format`. */
  path(format: ApiFormat): string;
  /** The header carrying an injected API key (the client's own credentials are removed). */
  credential(key: string): { name: string; value: string };
  /** Headers the provider requires, added when the client did not send them. */
  readonly requiredHeaders: readonly [string, string][];
  /** Path after the base of its own Anthropic-style token counting; unset: counted by the gateway. */
  readonly countTokensPath?: string;
}

const PATHS: Partial<Record<ApiFormat, string>> = { completions: '/chat/completions', messages: '/messages' };

export function formatPath(format: ApiFormat): string {
  return PATHS[format] ?? '/chat/completions';
}
