// Reading agents' answers while they are relayed: JSON-RPC bodies of both protocol versions,
// SSE streams event by event (split anywhere), HTTP+JSON answers, and the error event written
// when the upstream dies mid-stream.
import { describe, expect, it } from 'vitest';
import { A2aExchange } from '../../../src/a2a/exchange.js';
import { A2aResponseWatcher } from '../../../src/a2a/response-watch.js';

const headers = (type: string): Buffer[] => [Buffer.from('Content-Type'), Buffer.from(type)];

function watchJson(body: unknown, binding: 'jsonrpc' | 'rest' = 'jsonrpc', status = 200): A2aExchange {
  const x = new A2aExchange(binding);
  const w = new A2aResponseWatcher(x);
  w.headers(status, headers('application/json'));
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  // Split in two so the watcher has to join chunks.
  w.data(bytes.subarray(0, 5));
  w.data(bytes.subarray(5));
  w.end();
  return x;
}

const fields = (x: A2aExchange) => ({
  outcome: x.outcome,
  kind: x.resultKind,
  task: x.taskId,
  state: x.taskState,
  context: x.contextId,
  code: x.errorCode,
});

describe('JSON-RPC responses', () => {
  it('v0.3 flat task', () => {
    const x = watchJson({ jsonrpc: '2.0', id: 1, result: { kind: 'task', id: 't-1', contextId: 'c-1', status: { state: 'working' } } });
    expect(fields(x)).toEqual({ outcome: 'success', kind: 'task', task: 't-1', state: 'working', context: 'c-1', code: undefined });
  });

  it('v0.3 message', () => {
    const x = watchJson({ jsonrpc: '2.0', id: 1, result: { kind: 'message', messageId: 'm', taskId: 't-3', contextId: 'c-3', parts: [] } });
    expect(fields(x)).toEqual({ outcome: 'success', kind: 'message', task: 't-3', state: undefined, context: 'c-3', code: undefined });
  });

  it('v1.0 nested result.task', () => {
    const x = watchJson({
      jsonrpc: '2.0',
      id: 1,
      result: { task: { id: 't-2', contextId: 'c-2', status: { state: 'TASK_STATE_COMPLETED' } } },
    });
    expect(fields(x)).toEqual({
      outcome: 'success',
      kind: 'task',
      task: 't-2',
      state: 'TASK_STATE_COMPLETED',
      context: 'c-2',
      code: undefined,
    });
  });

  it('v1.0 nested result.message', () => {
    const x = watchJson({
      jsonrpc: '2.0',
      id: 1,
      result: { message: { messageId: 'm', contextId: 'c-4', role: 'ROLE_AGENT', parts: [] } },
    });
    expect(fields(x)).toEqual({ outcome: 'success', kind: 'message', task: undefined, state: undefined, context: 'c-4', code: undefined });
  });

  it('v1.0 GetTask / CancelTask: the result is the Task itself', () => {
    const x = watchJson({ jsonrpc: '2.0', id: 1, result: { id: 't-5', contextId: 'c-5', status: { state: 'TASK_STATE_CANCELED' } } });
    expect(fields(x)).toMatchObject({ outcome: 'success', kind: 'task', task: 't-5', state: 'TASK_STATE_CANCELED' });
  });

  it('error object: outcome error with its code', () => {
    const x = watchJson({ jsonrpc: '2.0', id: 1, error: { code: -32001, message: 'Task not found' } });
    expect(fields(x)).toMatchObject({ outcome: 'error', code: -32001 });
  });

  it('neither result nor error, or not JSON: unknown', () => {
    expect(watchJson({ jsonrpc: '2.0', id: 1 }).outcome).toBe('unknown');
    expect(watchJson('<html>').outcome).toBe('unknown');
  });

  it('a non-JSON answer is not read', () => {
    const x = new A2aExchange('jsonrpc');
    const w = new A2aResponseWatcher(x);
    w.headers(502, headers('text/plain'));
    w.data(Buffer.from('{"jsonrpc":"2.0","result":{}}'));
    w.end();
    expect(x.outcome).toBe('unknown');
    expect(x.resultKind).toBeUndefined();
  });

  it('a compressed answer is not read', () => {
    const x = new A2aExchange('jsonrpc');
    const w = new A2aResponseWatcher(x);
    w.headers(200, [...headers('application/json'), Buffer.from('content-encoding'), Buffer.from('gzip')]);
    w.data(Buffer.from('{"jsonrpc":"2.0","id":1,"result":{"kind":"task","id":"t"}}'));
    w.end();
    expect(x.outcome).toBe('unknown');
  });
});

describe('HTTP+JSON answers', () => {
  it('a Task body', () => {
    expect(fields(watchJson({ id: 't-6', contextId: 'c-6', status: { state: 'TASK_STATE_WORKING' } }, 'rest'))).toMatchObject({
      outcome: 'success',
      task: 't-6',
      state: 'TASK_STATE_WORKING',
    });
  });
  it('{task} from message:send', () => {
    expect(fields(watchJson({ task: { id: 't-7', contextId: 'c', status: { state: 'TASK_STATE_SUBMITTED' } } }, 'rest'))).toMatchObject({
      outcome: 'success',
      kind: 'task',
      task: 't-7',
    });
  });
  it('an error status is an error, JSON or not', () => {
    expect(watchJson({ error: { code: 404, status: 'NOT_FOUND', message: 'no task' } }, 'rest', 404).outcome).toBe('error');
    expect(watchJson('not found', 'rest', 404).outcome).toBe('error');
  });
});

function sse(binding: 'jsonrpc' | 'rest', events: string[], split = 7): { x: A2aExchange; w: A2aResponseWatcher } {
  const x = new A2aExchange(binding);
  x.id = 9;
  const w = new A2aResponseWatcher(x);
  w.headers(200, headers('text/event-stream'));
  const bytes = Buffer.from(events.join(''));
  for (let i = 0; i < bytes.length; i += split) w.data(bytes.subarray(i, i + split));
  return { x, w };
}

const ev = (result: unknown) => `data: ${JSON.stringify({ jsonrpc: '2.0', id: 9, result })}\n\n`;

describe('SSE streams', () => {
  const v1 = [
    ev({ task: { id: 't-8', contextId: 'c-8', status: { state: 'TASK_STATE_SUBMITTED' } } }),
    ev({ statusUpdate: { taskId: 't-8', contextId: 'c-8', status: { state: 'TASK_STATE_WORKING' } } }),
    ev({ artifactUpdate: { taskId: 't-8', contextId: 'c-8', artifact: { artifactId: 'a', parts: [] } } }),
    ev({ statusUpdate: { taskId: 't-8', contextId: 'c-8', status: { state: 'TASK_STATE_COMPLETED' } } }),
  ];

  it('v1.0 events, split every 7 bytes: the last state wins, success once the stream ends', () => {
    const { x, w } = sse('jsonrpc', v1);
    expect(x.streaming).toBe(true);
    expect(x.taskState).toBe('TASK_STATE_COMPLETED');
    expect(x.outcome).toBeUndefined();
    w.end();
    expect(fields(x)).toEqual({
      outcome: 'success',
      kind: 'status-update',
      task: 't-8',
      state: 'TASK_STATE_COMPLETED',
      context: 'c-8',
      code: undefined,
    });
  });

  it('v0.3 events', () => {
    const { x, w } = sse('jsonrpc', [
      ev({ kind: 'task', id: 't-9', contextId: 'c-9', status: { state: 'submitted' } }),
      ev({ kind: 'status-update', taskId: 't-9', contextId: 'c-9', status: { state: 'working' }, final: false }),
      ev({ kind: 'artifact-update', taskId: 't-9', contextId: 'c-9', artifact: { artifactId: 'a', parts: [] } }),
    ]);
    w.end();
    expect(fields(x)).toEqual({
      outcome: 'success',
      kind: 'artifact-update',
      task: 't-9',
      state: 'working',
      context: 'c-9',
      code: undefined,
    });
  });

  it('an error event makes the outcome error', () => {
    const { x, w } = sse('jsonrpc', [
      v1[0]!,
      `event: error\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: 9, error: { code: -32603, message: 'boom' } })}\n\n`,
    ]);
    w.end();
    expect(fields(x)).toMatchObject({ outcome: 'error', code: -32603, task: 't-8' });
  });

  it('a stream cut inside an event has no known outcome', () => {
    const { x, w } = sse('jsonrpc', [v1[0]!, v1[1]!.slice(0, 20)]);
    w.end();
    expect(x.outcome).toBe('unknown');
  });

  it('HTTP+JSON streams carry StreamResponse objects without an envelope', () => {
    const { x, w } = sse('rest', [
      `data: ${JSON.stringify({ statusUpdate: { taskId: 't-r', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } } })}\n\n`,
    ]);
    w.end();
    expect(fields(x)).toMatchObject({ outcome: 'success', task: 't-r', state: 'TASK_STATE_WORKING' });
  });

  it('upstream failure between events: a JSON-RPC error event carrying the request id', () => {
    const { x, w } = sse('jsonrpc', [v1[0]!]);
    const tail = w.failure('upstream reset');
    expect(tail).toBe(`event: error\ndata: {"jsonrpc":"2.0","id":9,"error":{"code":-32603,"message":"upstream reset"}}\n\n`);
    expect(fields(x)).toMatchObject({ outcome: 'error', code: -32603 });
  });

  it('upstream failure inside an event: nothing can be appended (the caller closes the connection)', () => {
    const { w } = sse('jsonrpc', [v1[0]!, 'data: {"jsonr']);
    expect(w.failure('upstream reset')).toBeUndefined();
  });

  it('not a stream: no error event', () => {
    const x = new A2aExchange('jsonrpc');
    const w = new A2aResponseWatcher(x);
    w.headers(200, headers('application/json'));
    expect(w.failure('reset')).toBeUndefined();
  });
});
