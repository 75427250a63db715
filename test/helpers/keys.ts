// Virtual-key suites: a gateway with a keys: section in front of a plain-HTTP OpenAI mock (the
// llm: section's one model, gpt-4o, priced by the built-in catalog), its admin API, and
// scripted streams of a chosen length.
import type { ServerResponse } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayProcess } from './gateway-process.js';
import type { MockUpstream } from './mock-upstream.js';

export interface KeysGatewayOptions {
  llmPort: number;
  adminPort: number;
  mock: MockUpstream;
  /** YAML under `keys:` (indented by the caller as top-level keys of the section). */
  keys?: string;
  /** Directory of the config (and of the store file by default). */
  dir?: string;
  /** Also a binds: port with an AI route (/openai, chat completions) and a plain host route (/host). */
  bindPort?: number;
  env?: Record<string, string>;
}

export function keysConfig(o: KeysGatewayOptions): string {
  return `keys:
${indent(o.keys ?? 'typicalOutputTokens: 50', 2)}
llm:
  port: ${o.llmPort}
  policies:
    apiKey: {mode: strict, virtualKeys: true}
  models:
  - name: gpt-4o
    provider: openAI
    params: {baseUrl: "http://127.0.0.1:${o.mock.port}/v1", apiKey: sk-upstream}
  - name: claude-haiku
    provider: anthropic
    params: {baseUrl: "http://127.0.0.1:${o.mock.port}/v1", apiKey: sk-upstream, model: claude-haiku-4-5}
  - name: my-finetune
    provider: openAI
    params: {baseUrl: "http://127.0.0.1:${o.mock.port}/v1", apiKey: sk-upstream}
${o.bindPort === undefined ? '' : bindsSection(o.bindPort, o.mock.port)}`;
}

function bindsSection(port: number, mock: number): string {
  return `binds:
- port: ${port}
  listeners:
  - name: main
    policies:
      apiKey: {mode: strict, virtualKeys: true}
    routes:
    - name: openai
      matches: [{path: {pathPrefix: /openai}}]
      policies:
        backendAuth: {key: sk-upstream}
        ai: {routes: {/v1/chat/completions: completions}}
        authorization:
          rules:
          - deny: '(has(apiKey.app) && apiKey.app == "quarantined") || (has(apiKey.tier) && apiKey.tier == "suspended")'
      backends:
      - ai: {name: openai, provider: {openAI: {}}, hostOverride: "127.0.0.1:${mock}"}
    - name: host
      matches: [{path: {pathPrefix: /host}}]
      backends:
      - host: 127.0.0.1:${mock}
`;
}

function indent(yaml: string, n: number): string {
  return yaml
    .trim()
    .split('\n')
    .map((l) => `${' '.repeat(n)}${l}`)
    .join('\n');
}

export function newDir(): string {
  return mkdtempSync(join(tmpdir(), 'agw-keys-'));
}

export async function startKeysGateway(o: KeysGatewayOptions): Promise<{ gw: GatewayProcess; dir: string; file: string }> {
  const dir = o.dir ?? newDir();
  const file = join(dir, 'agentgateway.yaml');
  writeFileSync(file, keysConfig(o));
  const gw = await GatewayProcess.start({
    args: ['-f', file],
    env: { ADMIN_ADDR: `127.0.0.1:${o.adminPort}`, STATS_ADDR: 'off', READINESS_ADDR: 'off', ...o.env },
  });
  return { gw, dir, file };
}

/** The admin API of a keys gateway. */
export class KeysAdmin {
  constructor(readonly port: number) {}

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const r = await fetch(`http://127.0.0.1:${this.port}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, json: text === '' ? null : JSON.parse(text) };
  }

  /** Creates a key; returns its id and the secret (shown once). */
  async create(fields: Record<string, unknown>): Promise<{ id: string; secret: string; key: any }> {
    const r = await this.call('POST', '/api/keys', fields);
    if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(r.json)}`);
    return { id: r.json.key.id, secret: r.json.secret, key: r.json.key };
  }

  async key(id: string): Promise<any> {
    const r = await this.call('GET', `/api/keys/${id}`);
    if (r.status !== 200) throw new Error(`get: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json.key;
  }
}

/**
 * An OpenAI stream of `n` one-token content chunks, then a finish chunk and (when asked) the
 * usage chunk reporting `prompt` + n tokens, `delayMs` apart.
 */
export async function longOpenAiStream(req: any, res: ServerResponse, n: number, prompt: number, delayMs = 0): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const base = { id: 'chatcmpl-long', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-2024-08-06' };
  const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
  send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
  for (let i = 0; i < n; i++) {
    if (res.destroyed) return;
    send({ ...base, choices: [{ index: 0, delta: { content: ' word' }, finish_reason: null }] });
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  }
  send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  if (req?.stream_options?.include_usage === true) {
    send({ ...base, choices: [], usage: { prompt_tokens: prompt, completion_tokens: n, total_tokens: prompt + n } });
  }
  res.write('data: [DONE]\n\n');
  res.end();
}
