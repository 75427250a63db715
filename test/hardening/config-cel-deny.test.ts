// A CEL deny rule that fails to evaluate does not deny (agentgateway's semantics, kept): so a deny
// rule reading data some requests lack is a warning at load, with the defensive rewrite, and its
// failures at run time are logged; the defensive form denies what it should, and a failing
// require rule still refuses (fail closed, as in agentgateway).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFile } from '../helpers/admin-client.js';
import { type GatewayProcess, runCli } from '../helpers/gateway-process.js';
import { post, startGateway } from '../helpers/traffic.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;

const CONFIG = `binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: naive
      matches: [{path: {pathPrefix: /naive}}]
      policies:
        authorization: {rules: [{deny: 'request.headers["x-user"] == "mallory"'}]}
      backends: [{ai: {name: m, provider: {mock: {response: "served"}}}}]
    - name: defensive
      matches: [{path: {pathPrefix: /defensive}}]
      policies:
        authorization: {rules: [{deny: 'default(request.headers["x-user"], "") == "mallory" || !("x-user" in request.headers)'}]}
      backends: [{ai: {name: m, provider: {mock: {response: "served"}}}}]
    - name: required
      matches: [{path: {pathPrefix: /required}}]
      policies:
        authorization: {rules: [{require: 'request.headers["x-user"] != "mallory"'}]}
      backends: [{ai: {name: m, provider: {mock: {response: "served"}}}}]
`;

const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
let gw: GatewayProcess;

beforeAll(async () => {
  gw = await startGateway(CONFIG);
});
afterAll(async () => {
  expect(await gw?.stop()).toBe(0);
});

describe('CEL deny rules and absent data', () => {
  it('warns at load about the rule that can fail, and only that one', async () => {
    expect(gw.output).toMatch(
      /routes\[0\]\.policies\.authorization\.rules\[0\]\.deny: this deny rule reads request\.headers\["x-user"\], which some requests lack; .*does not deny.*default\(request\.headers\["x-user"\], ""\)/,
    );
    expect(gw.output).not.toMatch(/routes\[1\]\.policies\.authorization/);
    expect(gw.output).not.toMatch(/routes\[2\]\.policies\.authorization/);
    const v = await runCli(['--validate-only', '-f', configFile(CONFIG)]);
    expect(v.code).toBe(0);
    expect(v.output).toMatch(/warning: .*rules\[0\]\.deny: this deny rule reads request\.headers\["x-user"\]/);
  });

  it('the naive rule lets a request without the header through, and the failure is logged', async () => {
    expect((await post(`${BASE}/naive/v1/chat/completions`, chat, { 'x-user': 'mallory' })).status).toBe(403);
    expect((await post(`${BASE}/naive/v1/chat/completions`, chat)).status).toBe(200);
    await gw.waitFor('authorization deny rule `request.headers["x-user"] == "mallory"` could not be evaluated');
    expect(gw.output).toMatch(/could not be evaluated \([^)]*\); it did not deny the request/);
  });

  it('the defensive rule denies both, and a failing require rule refuses', async () => {
    expect((await post(`${BASE}/defensive/v1/chat/completions`, chat, { 'x-user': 'mallory' })).status).toBe(403);
    expect((await post(`${BASE}/defensive/v1/chat/completions`, chat)).status).toBe(403);
    expect((await post(`${BASE}/defensive/v1/chat/completions`, chat, { 'x-user': 'alice' })).status).toBe(200);
    expect((await post(`${BASE}/required/v1/chat/completions`, chat)).status).toBe(403);
    expect((await post(`${BASE}/required/v1/chat/completions`, chat, { 'x-user': 'alice' })).status).toBe(200);
  });
});
