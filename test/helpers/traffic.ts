// Shared pieces of the traffic e2e suites: configs written to a temp dir, gateways with the
// management servers off, plain-HTTP provider mocks, and a
// tiny raw HTTP client for what the SDKs hide (headers, status of a stream).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayProcess } from './gateway-process.js';
import { MockUpstream } from './mock-upstream.js';

let dir: string | null = null;
let n = 0;

export function writeConfig(yaml: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'agw-traffic-'));
  const f = join(dir, `config-${++n}.yaml`);
  writeFileSync(f, yaml);
  return f;
}

export function startGateway(yaml: string, env: Record<string, string> = {}): Promise<GatewayProcess> {
  return GatewayProcess.start({
    args: ['-f', writeConfig(yaml)],
    env: { ADMIN_ADDR: 'off', STATS_ADDR: 'off', READINESS_ADDR: 'off', ...env },
  });
}

/** A provider mock over plain HTTP (what `hostOverride` talks to). */
export function plainMock(): Promise<MockUpstream> {
  return MockUpstream.start({ tls: false });
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

/** A chat completion request body. */
export function chat(content = 'Hello', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'gpt-4o', messages: [{ role: 'user', content }], ...extra };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RouteOptions {
  /** YAML of more route policies (no indentation needed). */
  policies?: string;
  /** YAML of more `policies.ai` keys, besides the route types. */
  ai?: string;
  /** The provider's model override (default: none, the client's model goes up). */
  model?: string;
}

const indent = (yaml: string | undefined, n: number) =>
  yaml === undefined || yaml.trim() === ''
    ? ''
    : `${yaml
        .split('\n')
        .map((l) => `${' '.repeat(n)}${l}`)
        .join('\n')}\n`;

/**
 * A route at `/<name>` to one OpenAI provider on plain HTTP at `port`, parsing chat completions
 * and messages (so both SDKs can be used), with extra policies.
 */
export function providerRoute(name: string, port: number, o: RouteOptions = {}): string {
  const model = o.model !== undefined ? `{model: ${o.model}}` : '{}';
  return `
    - name: ${name}
      matches: [{path: {pathPrefix: /${name}}}]
      policies:
${indent(o.policies, 8)}        ai:
          routes: {/v1/chat/completions: completions, /v1/messages: messages}
${indent(o.ai, 10)}      backends:
      - ai: {name: up, provider: {openAI: ${model}}, hostOverride: "127.0.0.1:${port}"}`;
}

/**
 * One AI route at `/<name>` as the console and metrics suites write them: a list item under
 * `- routes:` (10 spaces in), one backend named `name`, its route types and the route's
 * policies, each given as YAML flow text.
 */
export function aiRoute(name: string, provider: string, routes: string, policies: string): string {
  return `          - name: ${name}
            matches: [{path: {pathPrefix: /${name}}}]
            backends:
              - ai:
                  name: ${name}
                  provider: ${provider}
                  policies: {ai: {routes: ${routes}}}
            policies: ${policies}
`;
}

/** Routes the gateway refuses in two ways: `/limited` admits one request an hour, `/down` is a closed port. */
export function refusalRoutes(closedPort: number): string {
  return `          - name: limited
            matches: [{path: {pathPrefix: /limited}}]
            policies:
              localRateLimit:
                - {maxTokens: 1, tokensPerFill: 1, fillInterval: 1h}
            backends:
              - ai:
                  name: canned
                  provider: {mock: {response: "canned"}}
          - name: down
            matches: [{path: {pathPrefix: /down}}]
            backends:
              - host: 127.0.0.1:${closedPort}
`;
}

/** A price catalog of one model only, gpt-4o at $2 / $8 per million tokens (exact cost arithmetic). */
export const ONE_PRICED_MODEL = `  modelCatalog:
    builtin: false
    sources:
      - inline:
          providers:
            openai: {models: {gpt-4o-2024-08-06: {rates: {input: 2, output: 8}}}}
`;
