// Azure OpenAI and Azure AI Foundry (agentgateway's `azure` provider, crates/llm/src/azure.rs):
//
//   resourceType openAI      host <resourceName>.openai.azure.com
//     apiVersion v1 (default) /openai/v1/chat/completions            (the v1 API; model in the body)
//     apiVersion preview      /openai/v1/chat/completions?api-version=preview
//     apiVersion 2024-10-21   /openai/deployments/<deployment>/chat/completions?api-version=2024-10-21
//                             (the deployment is the provider's model, else the request's)
//   resourceType foundry     host <resourceName>.services.ai.azure.com (alias aiServices)
//                             /api/projects/<projectName or resourceName>/openai/v1/chat/completions;
//                             Claude models natively at /anthropic/v1/messages
//
// Keys go in the `api-key` header (backendAuth.key, or a client's Bearer key moved there); an
// Entra ID access token (a JWT) sent by the client as `Authorization: Bearer` stays as it is.
import type { ApiFormat } from '../../convert/types.js';
import { ANTHROPIC_VERSION } from '../anthropic.js';
import type { Provider, UpstreamRequest } from '../types.js';

export type AzureResourceType = 'openAI' | 'foundry' | 'aiServices';

export interface AzureSettings {
  readonly resourceName: string;
  readonly resourceType: AzureResourceType;
  readonly apiVersion?: string;
  readonly projectName?: string;
  /** The provider's configured model (the deployment name on deployment paths). */
  readonly model?: string;
}

const SUFFIX: Partial<Record<ApiFormat, string>> = { completions: 'chat/completions', responses: 'responses', embeddings: 'embeddings' };

function isClaude(model: string): boolean {
  return model.toLowerCase().startsWith('claude');
}

/** Entra ID access tokens are JWTs (three base64url parts); Azure API keys are 32+ hex/alnum characters. */
export function isEntraToken(token: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(token);
}

export function azureProvider(s: AzureSettings): Provider {
  const foundry = s.resourceType !== 'openAI';
  const version = s.apiVersion ?? 'v1';
  // The Responses API is served on the v1 API of Azure OpenAI resources; elsewhere it is translated.
  const v1Api = !foundry && (version === 'v1' || version === 'preview');
  const path = (format: ApiFormat, req: UpstreamRequest): string => {
    if (format === 'messages') return '/anthropic/v1/messages';
    const suffix = SUFFIX[format] ?? 'chat/completions';
    if (foundry) return `/api/projects/${encodeURIComponent(s.projectName ?? s.resourceName)}/openai/v1/${suffix}`;
    if (version === 'v1') return `/openai/v1/${suffix}`;
    if (version === 'preview') return `/openai/v1/${suffix}?api-version=preview`;
    const deployment = encodeURIComponent(s.model ?? req.model);
    return `/openai/deployments/${deployment}/${suffix}?api-version=${encodeURIComponent(version)}`;
  };
  return {
    name: 'azure',
    formats: v1Api ? ['completions', 'responses', 'embeddings'] : ['completions', 'embeddings'],
    host: foundry ? `${s.resourceName}.services.ai.azure.com` : `${s.resourceName}.openai.azure.com`,
    port: 443,
    basePath: '',
    path,
    // Claude on Foundry speaks Anthropic Messages natively; everything else the OpenAI API.
    formatFor: (client: ApiFormat, model: string): ApiFormat => {
      if (client === 'responses' && v1Api) return 'responses';
      if (client === 'embeddings') return 'embeddings';
      return foundry && client === 'messages' && isClaude(model) ? 'messages' : 'completions';
    },
    credential: (key) => ({ name: 'api-key', value: key }),
    relocateBearer: (token: string) => (isEntraToken(token) ? undefined : 'api-key'),
    requiredHeaders: foundry ? [['anthropic-version', ANTHROPIC_VERSION]] : [],
  };
}
