// The Gemini API (generativelanguage.googleapis.com), agentgateway's `gemini` provider.
// Chat from either client format is translated to the native generateContent API (streaming:
// `:streamGenerateContent?alt=sse`), as agentgateway prefers it to Google's OpenAI-compatible
// endpoint; native Gemini clients pass through. The OpenAI-compatible endpoint
// (`/v1beta/openai/...`) is reached by `passthrough`/`detect` routes, which keep the client's path.
// Auth: an API key (`AIza...`) goes in x-goog-api-key, anything else (an OAuth access token) as
// Bearer; a client's own `Authorization: Bearer AIza...` is moved to x-goog-api-key.
import { geminiTokenCount } from '../../convert/count-tokens.js';
import type { ApiFormat } from '../../convert/types.js';
import type { Provider, UpstreamRequest } from '../types.js';
import { geminiModelResource } from './models.js';

export const GEMINI_HOST = 'generativelanguage.googleapis.com';
/** Google API keys all start so; OAuth access tokens (ya29., JWTs) never do. */
export const GOOGLE_API_KEY_PREFIX = 'AIza';

function geminiPath(format: ApiFormat, req: UpstreamRequest): string {
  if (format === 'gemini-embeddings') return `/${geminiModelResource(req.model)}:batchEmbedContents`;
  if (format !== 'gemini') return '/openai/chat/completions';
  const resource = geminiModelResource(req.model);
  return req.stream ? `/${resource}:streamGenerateContent?alt=sse` : `/${resource}:generateContent`;
}

export const gemini: Provider = {
  name: 'gcp.gemini',
  formats: ['gemini', 'completions', 'gemini-embeddings'],
  host: GEMINI_HOST,
  port: 443,
  basePath: '/v1beta',
  path: geminiPath,
  formatFor: (client) => (client === 'embeddings' ? 'gemini-embeddings' : 'gemini'),
  credential: (key) =>
    key.startsWith(GOOGLE_API_KEY_PREFIX) ? { name: 'x-goog-api-key', value: key } : { name: 'authorization', value: `Bearer ${key}` },
  relocateBearer: (token, format) => (format === 'gemini' && token.startsWith(GOOGLE_API_KEY_PREFIX) ? 'x-goog-api-key' : undefined),
  requiredHeaders: [],
  // Anthropic count_tokens clients get Gemini's own count (models/<m>:countTokens).
  tokenCount: (model) => ({ path: `/${geminiModelResource(model)}:countTokens`, conversion: geminiTokenCount }),
};
