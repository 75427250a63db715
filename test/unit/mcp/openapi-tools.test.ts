import { describe, expect, it } from 'vitest';
import { parseOpenApi } from '../../../src/mcp/openapi-tools.js';

const doc = (extra: Record<string, unknown>) => JSON.stringify({ openapi: '3.0.0', info: { title: 't', version: '1' }, ...extra });

describe('an OpenAPI document as tools', () => {
  it('one tool per operation; path-level parameters overridden by the operation; header names lower-cased', () => {
    const spec = parseOpenApi(
      doc({
        servers: [{ url: 'https://api.example.com/v2/' }],
        paths: {
          '/items/{id}': {
            parameters: [
              { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
              { name: 'trace', in: 'cookie', schema: { type: 'string' } },
            ],
            get: {
              operationId: 'getItem',
              summary: 'Get one item',
              parameters: [
                { name: 'id', in: 'path', required: true, schema: { type: 'integer' }, description: 'the id' },
                { name: 'X-Tenant', in: 'header', schema: { type: 'string' } },
              ],
            },
            delete: { operationId: 'deleteItem', description: 'Deletes it' },
          },
        },
      }),
    );
    expect(spec.prefix).toBe('/v2');
    expect(spec.tools.map((t) => [t.name, t.method, t.path])).toEqual([
      ['getItem', 'GET', '/items/{id}'],
      ['deleteItem', 'DELETE', '/items/{id}'],
    ]);
    const get = spec.tools[0]!;
    expect(get.description).toBe('Get one item');
    expect(get.title).toBe('Get one item');
    expect(get.headers).toEqual(new Set(['x-tenant']));
    expect(get.inputSchema).toEqual({
      type: 'object',
      required: ['path'],
      properties: {
        path: { type: 'object', required: ['id'], properties: { id: { type: 'integer', description: 'the id' } } },
        header: { type: 'object', required: [], properties: { 'x-tenant': { type: 'string' } } },
      },
    });
  });

  it('resolves $refs (including cycles) and reads YAML', () => {
    const yaml = `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /nodes:
    post:
      operationId: addNode
      requestBody: {$ref: "#/components/requestBodies/NodeBody"}
components:
  requestBodies:
    NodeBody:
      required: true
      content: {application/json: {schema: {$ref: "#/components/schemas/Node"}}}
  schemas:
    Node:
      type: object
      properties:
        child: {$ref: "#/components/schemas/Node"}
        label: {type: string}
`;
    const tool = parseOpenApi(yaml).tools[0]!;
    expect(tool.inputSchema).toEqual({
      type: 'object',
      required: ['body'],
      properties: { body: { type: 'object', properties: { child: {}, label: { type: 'string' } } } },
    });
  });

  it('refuses what it cannot turn into tools, with a reason', () => {
    expect(() => parseOpenApi('{"swagger": "2.0"}')).toThrow(/OpenAPI 3/);
    expect(() => parseOpenApi(doc({ paths: { '/a': { get: {} } } }))).toThrow(/GET \/a: operationId is required/);
    expect(() => parseOpenApi(doc({ servers: [{ url: '/a' }, { url: '/b' }], paths: {} }))).toThrow(/several servers/);
    expect(() => parseOpenApi(doc({ paths: { '/a': { get: { operationId: 'x', parameters: [{ name: 'c', in: 'cookie' }] } } } }))).toThrow(
      /cookie parameters/,
    );
    expect(() =>
      parseOpenApi(doc({ paths: { '/a': { get: { operationId: 'x', requestBody: { $ref: '#/components/requestBodies/Missing' } } } } })),
    ).toThrow(/missing reference/);
    expect(() => parseOpenApi(doc({ paths: { '/a': { get: { operationId: 'x' } }, '/b': { get: { operationId: 'x' } } } }))).toThrow(
      /used twice/,
    );
  });
});
