import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../../../src/mcp/jsonrpc.js';

const parse = (v: unknown) => parseClientMessage(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));

describe('reading a client message', () => {
  it('tells requests, notifications and responses apart', () => {
    expect(parse({ jsonrpc: '2.0', id: 1, method: 'tools/list' }).kind).toBe('request');
    expect(parse({ jsonrpc: '2.0', id: 'a', method: 'x', params: {} }).kind).toBe('request');
    expect(parse({ jsonrpc: '2.0', method: 'notifications/initialized' }).kind).toBe('notification');
    expect(parse({ jsonrpc: '2.0', id: 'agw_web_n_0', result: {} }).kind).toBe('response');
    expect(parse({ jsonrpc: '2.0', id: 2, error: { code: -1, message: 'no' } }).kind).toBe('response');
  });

  it('refuses what is not one JSON-RPC 2.0 message, keeping the id when there is one', () => {
    expect(parseClientMessage(null)).toMatchObject({ kind: 'invalid', code: -32700 });
    expect(parse('{"jsonrpc":')).toMatchObject({ kind: 'invalid', code: -32700, id: null });
    expect(parse([{ jsonrpc: '2.0', id: 1, method: 'a' }])).toMatchObject({ kind: 'invalid', code: -32600 });
    expect(parse({ jsonrpc: '1.0', id: 4, method: 'a' })).toMatchObject({ kind: 'invalid', code: -32600, id: 4 });
    expect(parse({ jsonrpc: '2.0', id: 5, method: 'a', params: [1] })).toMatchObject({ kind: 'invalid', code: -32602, id: 5 });
    expect(parse({ jsonrpc: '2.0', id: 1.5, method: 'a' })).toMatchObject({ kind: 'invalid', code: -32600, id: null });
    expect(parse({ jsonrpc: '2.0', id: 6 })).toMatchObject({ kind: 'invalid', code: -32600, id: 6 });
  });
});
