// Reading A2A requests: card fetches, JSON-RPC calls of both protocol versions (method, id,
// task and context), HTTP+JSON operations by path, and malformed JSON-RPC marked with its code.
import { describe, expect, it } from 'vitest';
import { classifyA2a, restOperation } from '../../../src/a2a/classify.js';

const post = (path: string, body: unknown) =>
  classifyA2a('POST', path, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
const rpc = (method: string, params?: unknown, id: unknown = 1) => ({
  jsonrpc: '2.0',
  id,
  method,
  ...(params !== undefined ? { params } : {}),
});

describe('agent cards', () => {
  it.each(['/.well-known/agent-card.json', '/agents/a/.well-known/agent-card.json', '/x/.well-known/agent.json'])(
    'GET %s is a card fetch',
    (p) => {
      const x = classifyA2a('GET', p, null);
      expect(x.binding).toBe('card');
      expect(x.method).toBe('');
    },
  );
  it('POST to a card path is not a card fetch', () =>
    expect(classifyA2a('POST', '/.well-known/agent-card.json', null).binding).toBe('jsonrpc'));
});

describe('JSON-RPC calls', () => {
  it('v0.3 message/send: method, id, task and context from the message', () => {
    const x = post('/agents/a', rpc('message/send', { message: { messageId: 'm', taskId: 't-1', contextId: 'c-1', parts: [] } }, 'req-7'));
    expect([x.binding, x.method, x.id, x.taskId, x.contextId, x.problem]).toEqual(['jsonrpc', 'message/send', 'req-7', 't-1', 'c-1', null]);
  });

  it.each([
    ['tasks/get', { id: 't-2' }],
    ['tasks/cancel', { id: 't-2' }],
    ['tasks/resubscribe', { id: 't-2' }],
    ['GetTask', { id: 't-2', historyLength: 3 }],
    ['CancelTask', { id: 't-2' }],
    ['SubscribeToTask', { id: 't-2' }],
    ['tasks/pushNotificationConfig/set', { taskId: 't-2', pushNotificationConfig: { url: 'https://hook' } }],
    ['tasks/pushNotificationConfig/get', { id: 't-2' }],
    ['CreateTaskPushNotificationConfig', { taskId: 't-2', url: 'https://hook' }],
    ['GetTaskPushNotificationConfig', { taskId: 't-2', id: 'config-9' }],
    ['DeleteTaskPushNotificationConfig', { taskId: 't-2', id: 'config-9' }],
  ])('%s names task t-2', (method, params) => {
    const x = post('/', rpc(method, params));
    expect(x.method).toBe(method);
    expect(x.taskId).toBe('t-2');
  });

  it('v1.0 SendStreamingMessage', () => {
    const x = post('/', rpc('SendStreamingMessage', { message: { messageId: 'm', contextId: 'c-9', parts: [{ text: 'hi' }] } }, 3));
    expect([x.method, x.id, x.taskId, x.contextId]).toEqual(['SendStreamingMessage', 3, undefined, 'c-9']);
  });

  it('a JSON-RPC body on an HTTP+JSON path is refused: the agent would run the path, rules would judge the body', () => {
    const x = post('/agents/a/tasks/t-1:cancel', rpc('message/send', { message: {} }, 'x'));
    expect([x.problem?.code, x.id]).toEqual([-32600, 'x']);
    expect(x.problem?.message).toMatch(/HTTP\+JSON operation CancelTask/);
  });

  it('Content-Type does not matter: every POST body off the HTTP+JSON paths is held to JSON-RPC', () => {
    expect(post('/', rpc('tasks/cancel', { id: 'x' })).method).toBe('tasks/cancel');
  });

  it('very long ids are cut for logging; the method is kept whole for rules', () => {
    const long = 'm'.repeat(1000);
    const x = post('/', rpc(long, { id: 't'.repeat(1000) }));
    expect(x.method).toBe(long);
    expect(x.taskId!.length).toBe(256);
  });
});

describe('malformed JSON-RPC', () => {
  it.each([
    ['not JSON', '{"jsonrpc":"2.0",', -32700, null],
    ['empty body', '', -32700, null],
    ['a batch', [rpc('message/send', {})], -32600, null],
    ['a string', '"hello"', -32600, null],
    ['no method', { jsonrpc: '2.0', id: 7 }, -32600, 7],
    ['empty method', { jsonrpc: '2.0', id: 'a', method: '' }, -32600, 'a'],
    ['wrong version', { jsonrpc: '1.0', id: 'abc', method: 'message/send' }, -32600, 'abc'],
    ['no version', { id: 5, method: 'message/send' }, -32600, 5],
    ['fractional id', { jsonrpc: '2.0', id: 1.5, method: 'message/send' }, -32600, null],
    ['object id', { jsonrpc: '2.0', id: { a: 1 }, method: 'message/send' }, -32600, null],
    ['scalar params', { jsonrpc: '2.0', id: 2, method: 'message/send', params: 3 }, -32600, 2],
    ['null params', { jsonrpc: '2.0', id: 2, method: 'message/send', params: null }, -32600, 2],
  ])('%s -> %d with id %j', (_what, body, code, id) => {
    const x = post('/agents/a', body);
    expect(x.problem?.code).toBe(code);
    expect(x.id).toEqual(id);
    expect(x.method).toBe('');
  });

  it('null id is a valid id', () => {
    const x = post('/', rpc('tasks/get', { id: 't' }, null));
    expect(x.problem).toBeNull();
    expect(x.id).toBeNull();
  });
});

describe('HTTP+JSON operations (A2A v1.0 §11.3), under any prefix', () => {
  it.each([
    ['POST', '/message:send', 'SendMessage', undefined],
    ['POST', '/a2a/reviewer/message:stream', 'SendStreamingMessage', undefined],
    ['POST', '/message/stream', 'SendStreamingMessage', undefined],
    ['GET', '/a2a/reviewer/tasks/task-123', 'GetTask', 'task-123'],
    ['GET', '/tasks/task-123:cancel', 'GetTask', 'task-123:cancel'],
    ['GET', '/tasks', 'ListTasks', undefined],
    ['POST', '/tasks/task%2F1:cancel', 'CancelTask', 'task/1'],
    ['POST', '/tasks/t-1:subscribe', 'SubscribeToTask', 't-1'],
    ['POST', '/tasks/t-1/pushNotificationConfigs', 'CreateTaskPushNotificationConfig', 't-1'],
    ['GET', '/tasks/t-1/pushNotificationConfigs', 'ListTaskPushNotificationConfigs', 't-1'],
    ['GET', '/tasks/t-1/pushNotificationConfigs/cfg', 'GetTaskPushNotificationConfig', 't-1'],
    ['DELETE', '/tasks/t-1/pushNotificationConfigs/cfg', 'DeleteTaskPushNotificationConfig', 't-1'],
    ['GET', '/extendedAgentCard', 'GetExtendedAgentCard', undefined],
  ])('%s %s is %s', (method, path, name, taskId) => {
    const x = method === 'POST' ? post(path, { message: { parts: [] } }) : classifyA2a(method, path, null);
    expect([x.binding, x.method, x.taskId, x.problem]).toEqual(['rest', name, taskId, null]);
  });

  it('an HTTP+JSON POST keeps its operation even with a body that is not JSON', () => {
    expect(post('/message:send', 'not json').method).toBe('SendMessage');
  });

  it.each([
    ['GET', '/'],
    ['GET', '/healthz'],
    ['POST', '/message:explode'],
    ['POST', '/tasks/t:explode'],
    ['POST', '/tasks'],
    ['DELETE', '/tasks/t-1'],
    ['POST', '/pushNotificationConfigs'],
  ])('%s %s is no operation', (method, path) => expect(restOperation(method, path)).toBeUndefined());

  it('other GETs on an A2A route are plain HTTP', () => {
    const x = classifyA2a('GET', '/healthz', null);
    expect([x.binding, x.method, x.problem]).toEqual(['other', '', null]);
  });
});
