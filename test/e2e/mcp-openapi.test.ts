// OpenAPI targets through the real gateway: a REST API described by an OpenAPI 3 document (from
// a file, and from a URL) becomes MCP tools, one per operation, called by the SDK client. Path,
// query and header parameters and the JSON body travel where the document says.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, writeConfig } from '../helpers/auth-gateway.js';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { connect, text } from '../helpers/mcp-client.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const GW = `http://127.0.0.1:${PORT}`;

const DOC = `openapi: 3.0.3
info: {title: Pets, version: "1"}
servers: [{url: "https://pets.example.com/api"}]
paths:
  /pets/{id}:
    parameters:
    - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getPet
      summary: Get a pet
      parameters:
      - {name: verbose, in: query, schema: {type: boolean}}
      - {name: X-Trace, in: header, schema: {type: string}}
      responses: {"200": {description: ok}}
  /pets:
    post:
      operationId: createPet
      description: Creates a pet
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Pet"}
      responses: {"200": {description: ok}}
  /status:
    get: {operationId: status, responses: {"200": {description: ok}}}
  /boom:
    get: {operationId: boom, responses: {"500": {description: broken}}}
components:
  schemas:
    Pet:
      type: object
      required: [name]
      properties:
        name: {type: string}
        tags: {type: array, items: {$ref: "#/components/schemas/Tag"}}
    Tag: {type: string}
`;

let gw: GatewayProcess;
let api: Server;
let apiPort: number;
const seen: { method: string; url: string; trace: string | undefined; body: string }[] = [];

beforeAll(async () => {
  api = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, trace: req.headers['x-trace'] as string | undefined, body });
      const u = new URL(req.url!, 'http://x');
      if (u.pathname === '/openapi.yaml') return void res.writeHead(200, { 'content-type': 'application/yaml' }).end(DOC);
      if (u.pathname.startsWith('/api/pets/')) {
        return json(res, 200, { id: decodeURIComponent(u.pathname.slice(10)), verbose: u.searchParams.get('verbose') });
      }
      if (u.pathname === '/api/pets' && req.method === 'POST') return json(res, 200, { created: JSON.parse(body) });
      if (u.pathname === '/api/status') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('all good');
      if (u.pathname === '/api/boom') return void res.writeHead(500).end('kaput');
      json(res, 404, { error: 'no such path' });
    });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  apiPort = (api.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'agw-mcp-openapi-'));
  writeConfig(dir, 'pets.yaml', DOC);
  const config = writeConfig(
    dir,
    'gw.yaml',
    `binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: file
      matches: [{path: {pathPrefix: /file}}]
      backends:
      - mcp:
          targets:
          - name: pets
            openapi: {host: "127.0.0.1:${apiPort}", schema: {file: pets.yaml}}
    - name: url
      matches: [{path: {pathPrefix: /url}}]
      backends:
      - mcp:
          prefixMode: always
          targets:
          - name: pets
            openapi: {host: "http://127.0.0.1:${apiPort}", schema: {url: "http://127.0.0.1:${apiPort}/openapi.yaml"}}
`,
  );
  gw = await startGateway(config);
}, 30_000);

afterAll(async () => {
  await gw?.stop();
  await new Promise((r) => api?.close(r));
});

function json(res: import('node:http').ServerResponse, status: number, v: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
}

describe('an OpenAPI target', () => {
  it('lists one tool per operation, with parameters grouped by where they go and $refs resolved', async () => {
    const c = await connect(`${GW}/file/mcp`);
    const tools = (await c.listTools()).tools;
    expect(tools.map((t) => t.name).sort()).toEqual(['boom', 'createPet', 'getPet', 'status']);
    const get = tools.find((t) => t.name === 'getPet')!;
    expect(get.description).toBe('Get a pet');
    expect(get.inputSchema).toMatchObject({
      type: 'object',
      required: ['path'],
      properties: {
        path: { required: ['id'] },
        query: { properties: { verbose: { type: 'boolean' } } },
        header: { properties: { 'x-trace': {} } },
      },
    });
    const create = tools.find((t) => t.name === 'createPet')!;
    expect(create.inputSchema).toMatchObject({
      required: ['body'],
      properties: { body: { properties: { tags: { items: { type: 'string' } } } } },
    });
    await c.close();
  });

  it('turns a call into the REST request and its JSON answer into the result', async () => {
    const c = await connect(`${GW}/file/mcp`);
    const r = await c.callTool({
      name: 'getPet',
      arguments: { path: { id: 'rex the dog' }, query: { verbose: true }, header: { 'x-trace': 't1' } },
    });
    expect(r.structuredContent).toEqual({ id: 'rex the dog', verbose: 'true' });
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/api/pets/rex%20the%20dog?verbose=true', trace: 't1' });
    const created = await c.callTool({ name: 'createPet', arguments: { body: { name: 'tom', tags: ['cat'] } } });
    expect(created.structuredContent).toEqual({ created: { name: 'tom', tags: ['cat'] } });
    expect(JSON.parse(text(await c.callTool({ name: 'status', arguments: {} })))).toEqual({ code: 200, message: 'all good' });
    const boom = await c.callTool({ name: 'boom', arguments: {} });
    expect(boom.isError).toBe(true);
    expect(text(boom)).toContain('HTTP 500');
    await c.close();
  });

  it('reads a document from a URL when the first session needs it', async () => {
    const c = await connect(`${GW}/url/mcp`);
    expect((await c.listTools()).tools.map((t) => t.name)).toContain('pets_getPet');
    const r = await c.callTool({ name: 'pets_getPet', arguments: { path: { id: '9' } } });
    expect(r.structuredContent).toEqual({ id: '9', verbose: null });
    expect(seen.filter((s) => s.url === '/openapi.yaml').length).toBe(1);
    await c.close();
  });
});
