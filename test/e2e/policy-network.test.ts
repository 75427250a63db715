// Policies reach the network through the port the policy compiler hands in: the gateway's own
// pools, with --resolve/--connect-to applied. A JWKS URL naming a host that does not resolve is
// fetched from wherever --connect-to points it, as an upstream would be, and its connection is
// reused (one connection for several fetches).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { makeKey, mint, type SigningKey } from '../helpers/jwt-issuer.js';
import { plainMock, writeConfig } from '../helpers/traffic.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { freePort } from '../helpers/ports.js';
import { waitUntil } from '../helpers/wait.js';

const PORT = await freePort();
const ISS = 'https://issuer.test';
/** A name no resolver knows: only the gateway's connect override can reach it. */
const IDP_HOST = 'idp.invalid';

let idp: Server;
let idpPort = 0;
let fetches = 0;
const sockets = new Set<unknown>();
let up: MockUpstream;
let gw: GatewayProcess;
let key: SigningKey;

beforeAll(async () => {
  key = await makeKey('net-1', 'ES256');
  idp = createServer((req, res) => {
    fetches++;
    sockets.add(req.socket);
    // no-cache semantics aside, a short max-age is floored at 60 s: refetches come from unknown kids
    res
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' })
      .end(JSON.stringify({ keys: [key.publicJwk] }));
  });
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  idpPort = (idp.address() as AddressInfo).port;
  up = await plainMock();
  up.handler = (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  const cfg = writeConfig(`binds:
- port: ${PORT}
  listeners:
  - routes:
    - policies:
        jwtAuth: {mode: strict, issuer: "${ISS}", jwks: {url: "http://${IDP_HOST}:${idpPort}/jwks.json"}}
      backends: [{host: "127.0.0.1:${up.port}"}]
`);
  gw = await GatewayProcess.start({
    args: ['-f', cfg, '--connect-to', `${IDP_HOST}:${idpPort}:127.0.0.1:${idpPort}`],
    env: { ADMIN_ADDR: 'off', STATS_ADDR: 'off', READINESS_ADDR: 'off' },
  });
});

afterAll(async () => {
  await gw?.stop();
  await up?.close();
  idp?.closeAllConnections();
  await new Promise((r) => idp?.close(r));
});

describe('a JWKS URL', () => {
  it('is fetched through the gateway pools, so --connect-to reaches a host no resolver knows', async () => {
    await waitUntil(() => fetches > 0, 5000, 'the JWKS fetched at startup');
    const token = await mint({ key, issuer: ISS });
    const r = await fetch(`http://127.0.0.1:${PORT}/x`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    expect(gw.output).not.toContain('JWKS fetch');
  });

  it('reuses its pooled connection for a refetch (an unknown kid)', async () => {
    const before = fetches;
    const other = await makeKey('net-2', 'ES256');
    const r = await fetch(`http://127.0.0.1:${PORT}/x`, {
      headers: { authorization: `Bearer ${await mint({ key: other, issuer: ISS })}` },
    });
    expect(r.status).toBe(401);
    expect(fetches).toBe(before + 1);
    expect(sockets.size).toBe(1);
  });
});
