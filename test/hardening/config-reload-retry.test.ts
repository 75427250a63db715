// A request that started before a reload keeps the backends of the config it started on: its
// retry after the swap still goes out on the old snapshot's connection pool, which the reload
// retires only once that request is done (found by the soak harness: the pool was closed at the
// swap, and the retry failed with "closed the connection" / "client is destroyed").
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { post, sleep, writeConfig } from '../helpers/traffic.js';

const PORT = await freePort();
let oldUp: Server;
let newUp: Server;
let gw: GatewayProcess;
let file: string;
const seen: string[] = [];

/** First request stalls (the attempt times out), every later one is answered by `name`. */
function upstream(name: string): Promise<Server> {
  let first = true;
  const s = createServer((req, res) => {
    seen.push(name);
    req.resume();
    if (name === 'old' && first) {
      first = false;
      return; // stall: the route's 1 s backendRequestTimeout fires, the retry follows
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ from: name }));
  });
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r(s)));
}

const config = (port: number) => `binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: agent
      policies: {retry: {attempts: 1, codes: [504]}, timeout: {backendRequestTimeout: 1s}}
      backends: [{host: "127.0.0.1:${port}"}]
`;

beforeAll(async () => {
  [oldUp, newUp] = await Promise.all([upstream('old'), upstream('new')]);
  file = writeConfig(config((oldUp.address() as { port: number }).port));
  gw = await GatewayProcess.start({ args: ['-f', file], env: { ADMIN_ADDR: 'off', STATS_ADDR: 'off', READINESS_ADDR: 'off' } });
});
afterAll(async () => {
  await gw?.stop();
  oldUp?.closeAllConnections();
  newUp?.closeAllConnections();
  await Promise.all([new Promise((r) => oldUp?.close(r)), new Promise((r) => newUp?.close(r))]);
});

it('a retry after a reload that retired its backend still reaches the old backend', async () => {
  const pending = post(`http://127.0.0.1:${PORT}/x`, { hello: 1 });
  await sleep(300); // the first attempt is stalled upstream
  writeFileSync(file, config((newUp.address() as { port: number }).port));
  await gw.waitFor('config reloaded (version 2)');
  const r = await pending;
  expect(r.status).toBe(200);
  expect(JSON.parse(r.text)).toEqual({ from: 'old' });
  // New requests use the new config.
  const after = await post(`http://127.0.0.1:${PORT}/x`, { hello: 2 });
  expect(JSON.parse(after.text)).toEqual({ from: 'new' });
  expect(seen).toEqual(['old', 'old', 'new']);
});
