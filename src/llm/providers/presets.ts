// OpenAI-compatible providers with a known endpoint (agentgateway's provider presets,
// crates/llm/src/custom.rs, plus vLLM's default server): `provider: {groq: {}}` is `openAI` with
// the preset's base URL, a Bearer key (backendAuth.key or the client's), and its own name in
// metrics, logs and the price catalog. Anthropic clients are translated to chat completions,
// except where the preset serves the Messages API itself (OpenRouter, Fireworks).
import type { ApiFormat } from '../convert/types.js';
import { formatPath, type Provider } from './types.js';

export const PRESETS = {
  groq: { url: 'https://api.groq.com/openai/v1' },
  mistral: { url: 'https://api.mistral.ai/v1' },
  deepseek: { url: 'https://api.deepseek.com/v1' },
  xai: { url: 'https://api.x.ai/v1' },
  openrouter: { url: 'https://openrouter.ai/api/v1', messages: true },
  togetherai: { url: 'https://api.together.xyz/v1' },
  fireworks: { url: 'https://api.fireworks.ai/inference/v1', messages: true },
  cerebras: { url: 'https://api.cerebras.ai/v1' },
  deepinfra: { url: 'https://api.deepinfra.com/v1/openai' },
  ollama: { url: 'http://localhost:11434/v1' },
  vllm: { url: 'http://localhost:8000/v1' },
} as const satisfies Record<string, { url: string; messages?: boolean }>;

export type PresetName = keyof typeof PRESETS;

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function presetProvider(name: PresetName): Provider {
  const preset: { url: string; messages?: boolean } = PRESETS[name];
  const url = new URL(preset.url);
  const tls = url.protocol === 'https:';
  // Embeddings go to the OpenAI-compatible /embeddings (a preset without it answers 404 itself).
  const formats: ApiFormat[] = preset.messages === true ? ['completions', 'messages', 'embeddings'] : ['completions', 'embeddings'];
  return {
    name,
    formats,
    host: url.hostname,
    port: url.port === '' ? (tls ? 443 : 80) : Number(url.port),
    tls,
    basePath: url.pathname.replace(/\/$/, ''),
    path: formatPath,
    credential: (key) => ({ name: 'authorization', value: `Bearer ${key}` }),
    requiredHeaders: [],
  };
}
