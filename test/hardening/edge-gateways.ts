// The edge suites run every case against each HTTP edge the gateway has: the native acceptor in
// front of uWS, and the Node http server (the TypeScript twin, and what the acceptor hands
// unusual connections to). A gateway process per edge (AGW_EDGE), both in front of the same
// recording mock upstream. When the addon (or its acceptor) is unavailable the acceptor runs are
// skipped under a name that says why; AGW_NATIVE=1 turns that into a failure.
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { loadAddon } from '../../src/native/addon/load.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { MockUpstream, type Handler } from '../helpers/mock-upstream.js';
import { writeConfig } from '../helpers/traffic.js';
import type { RawResponse } from './edge-client.js';
import { json } from './edge-client.js';

export type EdgeName = 'acceptor' | 'node';

function acceptorUnavailable(): string | null {
  if (process.env.AGW_NATIVE === '0') return 'AGW_NATIVE=0';
  const r = loadAddon();
  const reason =
    r.addon === null ? `native addon unavailable: ${r.reason}` : r.addon.Acceptor === undefined ? 'no acceptor on this platform' : null;
  if (reason !== null && process.env.AGW_NATIVE === '1') throw new Error(`AGW_NATIVE=1 but the acceptor cannot run: ${reason}`);
  return reason;
}

const skip = acceptorUnavailable();
if (skip !== null) console.warn(`[edge] acceptor runs skipped: ${skip}`);

/** The edges under test, and why the acceptor is not among them (if it is not). */
export const EDGES: readonly EdgeName[] = skip === null ? ['acceptor', 'node'] : ['node'];
export const ACCEPTOR_SKIPPED = skip;

export interface EdgeGateway {
  edge: EdgeName;
  port: number;
  gw: GatewayProcess;
}

/** A host route to `up` on `port`: the pipeline proxies any path, so error dialects follow the path. */
export function proxyConfig(port: number, up: MockUpstream, http = ''): string {
  return `binds:
- port: ${port}
  listeners:
  - routes:
    - backends:
      - host: 127.0.0.1:${up.port}
${http === '' ? '' : `frontendPolicies:\n  http:\n${http.replace(/^/gm, '    ')}\n`}`;
}

/**
 * One gateway per edge, each on a free port, started one after another: started together, on a
 * loaded machine (the full suite and other work on two cores), a start could outlast the
 * readiness wait. If one fails to start, those already started are stopped.
 */
export async function startEdgeGateways(config: (port: number) => string, env: Record<string, string> = {}): Promise<EdgeGateway[]> {
  const started: EdgeGateway[] = [];
  try {
    for (const edge of EDGES) {
      const port = await freePort();
      const gw = await GatewayProcess.start({
        args: ['-f', writeConfig(config(port))],
        env: { AGW_EDGE: edge, ...env },
      });
      started.push({ edge, port, gw });
    }
    return started;
  } catch (e) {
    await Promise.all(started.map((g) => g.gw.stop()));
    throw e;
  }
}

export async function stopAll(gws: EdgeGateway[] | undefined): Promise<void> {
  for (const g of gws ?? []) expect(await g.gw.stop()).toBe(0);
}

export const OPENAI_PATH = '/v1/chat/completions';
export const ANTHROPIC_PATH = '/v1/messages';

/** The gateway's own error, in the dialect of the path it was sent to. */
export function expectError(r: RawResponse | undefined, status: number, dialect: 'openai' | 'anthropic', message?: RegExp): void {
  expect(r, 'a response').toBeDefined();
  expect(r!.status).toBe(status);
  expect(r!.headers.get('content-type')?.[0]).toMatch(/^application\/json/);
  const body = json(r!);
  if (dialect === 'anthropic') {
    expect(body.type).toBe('error');
    expect(typeof body.error.type).toBe('string');
  } else {
    expect(body.type).toBeUndefined();
    expect(typeof body.error.type).toBe('string');
  }
  expect(typeof body.error.message).toBe('string');
  if (message !== undefined) expect(body.error.message).toMatch(message);
}

export function head(method: string, path: string, lines: string[] = [], body = ''): string {
  const withLength =
    body === '' || lines.some((l) => /^content-length:/i.test(l))
      ? lines
      : [...lines, `Content-Length: ${Buffer.byteLength(body, 'latin1')}`];
  return `${method} ${path} HTTP/1.1\r\nHost: gw\r\n${withLength.map((l) => `${l}\r\n`).join('')}\r\n${body}`;
}

export interface EdgeSuite {
  readonly up: MockUpstream;
  readonly gateways: EdgeGateway[];
  port(edge: EdgeName): number;
  gateway(edge: EdgeName): EdgeGateway;
}

/**
 * A recording upstream answering with `handler`, and one gateway per edge in front of it with
 * `frontendPolicies.http` set to `http`; started before the file's tests, stopped after, and
 * the upstream's record cleared after each test.
 */
export function edgeSuite(handler: Handler, http = '', upstream: { maxHeaderSize?: number } = {}): EdgeSuite {
  const suite = {
    up: null as unknown as MockUpstream,
    gateways: [] as EdgeGateway[],
    port: (edge: EdgeName) => suite.gateway(edge).port,
    gateway: (edge: EdgeName) => suite.gateways.find((g) => g.edge === edge)!,
  };
  beforeAll(async () => {
    suite.up = await MockUpstream.start({ tls: false, ...upstream });
    suite.up.handler = handler;
    suite.gateways = await startEdgeGateways((p) => proxyConfig(p, suite.up, http));
  });
  afterAll(async () => {
    await stopAll(suite.gateways);
    await suite.up?.close();
  });
  afterEach(() => {
    suite.up.requests.length = 0;
  });
  return suite;
}
