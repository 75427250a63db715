// Where data-plane ports listen: every interface by default (dual-stack [::]), only IPv4 when
// IPv6 is disabled (config.enableIpv6: false or IPV6_ENABLED=false, as agentgateway), or the one
// address a bind names (bindAddress, agentgateway's key for a gateway's address). The port is
// exclusive: a second listener on it is a startup error naming the port.
import { createServer, connect, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess, runCli } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { MockUpstream } from '../helpers/mock-upstream.js';
import { writeConfig } from '../helpers/traffic.js';
import { send } from './edge-client.js';
import { EDGES, head, proxyConfig } from './edge-gateways.js';

let up: MockUpstream;

beforeAll(async () => {
  up = await MockUpstream.start({ tls: false });
  up.handler = (_req, res) => {
    res.end('{}');
  };
});
afterAll(() => up.close());

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

function withAddress(port: number, bindAddress: string | null, extra = ''): string {
  const base = proxyConfig(port, up);
  const bound = bindAddress === null ? base : base.replace(`- port: ${port}\n`, `- port: ${port}\n  bindAddress: "${bindAddress}"\n`);
  return extra + bound;
}

async function listensOn(edge: string, yaml: string, env: Record<string, string> = {}): Promise<{ v4: boolean; v6: boolean }> {
  const port = Number(/port: (\d+)/.exec(yaml)![1]);
  const gw = await GatewayProcess.start({
    args: ['-f', writeConfig(yaml)],
    env: { AGW_EDGE: edge, ...env },
  });
  try {
    const result = { v4: await reachable('127.0.0.1', port), v6: await reachable('::1', port) };
    const host = result.v4 ? '127.0.0.1' : '::1';
    expect((await send(port, head('GET', '/served'), { host })).responses[0]?.status).toBe(200);
    return result;
  } finally {
    expect(await gw.stop()).toBe(0);
  }
}

describe.each(EDGES)('%s edge', (edge) => {
  it('listens on every interface by default (dual-stack)', async () => {
    expect(await listensOn(edge, withAddress(await freePort(), null))).toEqual({ v4: true, v6: true });
  });

  it('bindAddress 127.0.0.1 listens on IPv4 loopback only', async () => {
    expect(await listensOn(edge, withAddress(await freePort(), '127.0.0.1'))).toEqual({ v4: true, v6: false });
  });

  it('bindAddress ::1 listens on IPv6 loopback only', async () => {
    expect(await listensOn(edge, withAddress(await freePort(), '::1'))).toEqual({ v4: false, v6: true });
  });

  it('config.enableIpv6: false listens on 0.0.0.0', async () => {
    expect(await listensOn(edge, withAddress(await freePort(), null, 'config:\n  enableIpv6: false\n'))).toEqual({ v4: true, v6: false });
  });

  it('IPV6_ENABLED=false does the same, and wins over the config', async () => {
    const yaml = withAddress(await freePort(), null, 'config:\n  enableIpv6: true\n');
    expect(await listensOn(edge, yaml, { IPV6_ENABLED: 'false' })).toEqual({ v4: true, v6: false });
  });

  describe('a port in use', () => {
    let other: Server;
    let taken: number;
    beforeAll(async () => {
      taken = await freePort();
      other = createServer();
      await new Promise<void>((r) => other.listen(taken, '::', r));
    });
    afterAll(() => new Promise<void>((r) => other.close(() => r())));

    it('is a startup error naming the port', async () => {
      const r = await runCli(['-f', writeConfig(withAddress(taken, null))], {
        AGW_EDGE: edge,
        ADMIN_ADDR: 'off',
        STATS_ADDR: 'off',
        READINESS_ADDR: 'off',
      });
      expect(r.code).toBe(1);
      expect(r.output).toContain(`cannot listen on port ${taken} (::): address in use`);
    });
  });
});

it('a bindAddress that is not an IP address is a config error', async () => {
  const r = await runCli(['--validate-only', '-f', writeConfig(withAddress(await freePort(), 'localhost'))]);
  expect(r.code).toBe(1);
  expect(r.output).toMatch(/bindAddress/);
});
