import { describe, expect, it } from 'vitest';
import { mergeInitialize, mergeList } from '../../../src/mcp/merge.js';
import { Namer } from '../../../src/mcp/names.js';

describe('merging federated lists', () => {
  const namer = new Namer(['web', 'local'], 'conditional');

  it('prefixes names, namespaces URIs, leaves out what authorization hides', () => {
    const tools = mergeList(
      'tools/list',
      [
        ['web', [{ name: 'echo', description: 'w' }, { name: 'secret' }]],
        ['local', [{ name: 'echo' }]],
      ],
      { namer, allows: (r) => !(r.target === 'web' && r.name === 'secret'), dropDuplicates: false },
    );
    expect(tools).toEqual([{ name: 'web_echo', description: 'w' }, { name: 'local_echo' }]);
    const resources = mergeList('resources/list', [['web', [{ uri: 'memo://a', name: 'a' }]]], {
      namer,
      allows: () => true,
      dropDuplicates: false,
    });
    expect(resources).toEqual([{ uri: 'web+memo://a', name: 'a' }]);
    const templates = mergeList('resources/templates/list', [['local', [{ uriTemplate: 'file:///{p}' }]]], {
      namer,
      allows: (r) => r.type === 'templates',
      dropDuplicates: false,
    });
    expect(templates).toEqual([{ uriTemplate: 'local+file:///{p}' }]);
  });

  it('prefixMode never drops names several targets serve (a call could not be routed)', () => {
    const never = new Namer(['a', 'b'], 'never');
    const tools = mergeList(
      'tools/list',
      [
        ['a', [{ name: 'echo' }, { name: 'only_a' }]],
        ['b', [{ name: 'echo' }]],
      ],
      { namer: never, allows: () => true, dropDuplicates: true },
    );
    expect(tools).toEqual([{ name: 'only_a' }]);
  });
});

describe('merging initialize results', () => {
  it('takes the oldest protocol version, the gateway capabilities and every instruction', () => {
    const r = mergeInitialize({
      results: [
        ['web', { protocolVersion: '2025-06-18', capabilities: { tools: {}, logging: {} }, instructions: 'web says' }],
        ['local', { protocolVersion: '2025-03-26', capabilities: { tools: {} } }],
      ],
      clientVersion: '2025-11-25',
      version: '9.9.9',
      stateful: true,
    });
    expect(r.protocolVersion).toBe('2025-03-26');
    expect(r.serverInfo).toEqual({ name: 'agentgateway', version: '9.9.9' });
    expect(r.capabilities).toEqual({
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { listChanged: true, subscribe: true },
      logging: {},
    });
    expect(r.instructions).toContain('[web]\nweb says');
  });

  it('never answers a version newer than the client asked for', () => {
    const r = mergeInitialize({
      results: [['a', { protocolVersion: '2025-06-18' }]],
      clientVersion: '2024-11-05',
      version: '1',
      stateful: false,
    });
    expect(r.protocolVersion).toBe('2024-11-05');
    expect((r.capabilities as { resources: object }).resources).toEqual({ listChanged: true });
  });
});
