// The gateway config the soak runs, and the edits it hot-reloads. Every valid edit sets a new
// generation in the `x-soak-config` response header (so the harness can see which config
// answered), alternates the retry backoff, and moves the /pass backend between two ports of
// the upstream that nothing else uses (same mock, same answers), so each valid reload also
// retires one connection pool while requests on it are in flight. Bad edits must be refused while the previous
// generation keeps serving. Retry, timeouts and health are what
// faults.ts's expectations are derived from: change them together.

export interface SoakPorts {
  gateway: number;
  /** The fault upstream listens on both; the /oai group has one provider on each. */
  upstreamA: number;
  upstreamB: number;
  /** Only the /pass route uses these two, one at a time: a reload that moves it drops a pool. */
  passA: number;
  passB: number;
  admin: number;
  stats: number;
  readiness: number;
}

export function soakPorts(base: number): SoakPorts {
  return {
    gateway: base,
    upstreamA: base + 1,
    upstreamB: base + 2,
    admin: base + 3,
    stats: base + 4,
    readiness: base + 5,
    passA: base + 6,
    passB: base + 7,
  };
}

/** The management servers' addresses, as the gateway reads them from its environment. */
export function managementEnv(p: SoakPorts): Record<string, string> {
  return { ADMIN_ADDR: `127.0.0.1:${p.admin}`, STATS_ADDR: `127.0.0.1:${p.stats}`, READINESS_ADDR: `127.0.0.1:${p.readiness}` };
}

/**
 * requestTimeout in ms (the harness's own hang deadline is derived from it). The per-attempt
 * timeouts leave seconds of margin over the slowest non-stalling fault (800 ms), so a machine
 * that stalls both processes for a moment (2 shared cores) does not turn an answered fault into
 * a timeout; the whole request still fits stall + retry + stall with room to spare.
 */
export const REQUEST_TIMEOUT_MS = 20_000;

const TRAFFIC = `retry: {attempts: 1, codes: [429, 503, 504], backoff: BACKOFF}
        timeout: {requestTimeout: ${REQUEST_TIMEOUT_MS / 1000}s, backendRequestTimeout: 5s, firstByteTimeout: 6s, streamIdleTimeout: 4s}`;

export function gatewayConfig(p: SoakPorts, generation: number): string {
  const policies = `${TRAFFIC.replace('BACKOFF', generation % 2 === 0 ? '50ms' : '60ms')}
        responseHeaderModifier: {set: {x-soak-config: "${generation}"}}`;
  const health = `health: {unhealthyExpression: "response.code >= 500 || response.code == 429", eviction: {duration: 2s, consecutiveFailures: 2}}`;
  return `# soak generation ${generation}
binds:
- port: ${p.gateway}
  listeners:
  - routes:
    - name: oai
      matches: [{path: {pathPrefix: /oai}}]
      policies:
        ${policies}
        ai: {routes: {/v1/chat/completions: completions, /v1/messages: messages}}
      backends:
      - ai:
          groups:
          - providers:
            - name: oai-a
              provider: {openAI: {model: gpt-4o-mini}}
              hostOverride: 127.0.0.1:${p.upstreamA}
              policies: {backendAuth: {key: sk-soak-a}, ${health}}
            - name: oai-b
              provider: {openAI: {model: gpt-4o-mini}}
              hostOverride: 127.0.0.1:${p.upstreamB}
              policies: {backendAuth: {key: sk-soak-b}, ${health}}
    - name: ant
      matches: [{path: {pathPrefix: /ant}}]
      policies:
        ${policies}
        backendAuth: {key: sk-ant-soak}
        ai: {routes: {/v1/chat/completions: completions, /v1/messages: messages}}
      backends:
      - ai: {name: ant, provider: {anthropic: {model: claude-haiku-4-5-20251001}}, hostOverride: 127.0.0.1:${p.upstreamA}}
    - name: pass
      matches: [{path: {pathPrefix: /pass}}]
      policies:
        ${policies}
        backendAuth: {key: sk-soak-pass}
        ai: {routes: {"*": passthrough}}
      backends:
      - ai: {name: pass, provider: {openAI: {}}, hostOverride: 127.0.0.1:${generation % 2 === 0 ? p.passB : p.passA}}
    - name: agent
      matches: [{path: {pathPrefix: /agent}}]
      policies:
        ${policies}
        a2a: {}
      backends:
      - host: 127.0.0.1:${p.upstreamA}
`;
}

export type BadEdit = 'unknown-key' | 'yaml-syntax' | 'empty-file' | 'api-invalid';

export const BAD_EDITS: readonly BadEdit[] = ['unknown-key', 'yaml-syntax', 'empty-file', 'api-invalid'];

/** A broken version of a valid config; `api-invalid` is posted to the admin API instead of saved. */
export function badConfig(edit: BadEdit, valid: string): string {
  switch (edit) {
    case 'unknown-key':
      return valid.replace('retry: {attempts: 1', 'retyr: {attempts: 1');
    case 'yaml-syntax':
      return valid.replace('- name: ant\n', '- name: [ant\n');
    case 'empty-file':
      return '';
    case 'api-invalid':
      return valid.replace('pathPrefix: /pass', 'pathPrefx: /pass');
  }
}
