// The A2A dialect of gateway errors (JSON-RPC error objects answering the request id) and the
// A2A request counter with its bounded method label.
import { describe, expect, it } from 'vitest';
import { classifyA2a } from '../../../src/a2a/classify.js';
import { A2aExchange, a2aLogFields } from '../../../src/a2a/exchange.js';
import { a2aCallLabels, methodLabel } from '../../../src/a2a/metrics.js';
import { GatewayMetrics } from '../../../src/observability/metrics.js';
import { GatewayError } from '../../../src/errors.js';
import { DIALECTS } from '../../../src/pipeline/dialects.js';
import type { RequestCtx } from '../../../src/pipeline/context.js';

const call = (id: unknown, method = 'message/send') =>
  classifyA2a('POST', '/', Buffer.from(JSON.stringify({ jsonrpc: '2.0', id, method })));

/** The A2A writer of the dialect table, for a request whose A2A record is `x`. */
const a2aErrorBody = (e: GatewayError, x: A2aExchange) => DIALECTS.a2a(e, { a2a: x } as RequestCtx);

describe('JSON-RPC error objects for gateway errors', () => {
  it('authorization denial: 403 stays the HTTP status, code -32000, the request id echoed', () => {
    const x = call('req-1', 'tasks/cancel');
    const e = new GatewayError('authorization_denied', 'request denied by authorization policy');
    expect(JSON.parse(a2aErrorBody(e, x))).toEqual({
      jsonrpc: '2.0',
      id: 'req-1',
      error: {
        code: -32000,
        message: 'request denied by authorization policy',
        data: { httpStatus: 403, type: 'permission_error', code: 'authorization_denied', reason: 'Authorization' },
      },
    });
    expect([x.outcome, x.errorCode]).toEqual(['error', -32000]);
  });

  it('malformed requests carry their own code', () => {
    const x = classifyA2a('POST', '/', Buffer.from('{"jsonrpc":"2.0","id":4}'));
    const body = JSON.parse(a2aErrorBody(new GatewayError('invalid_jsonrpc', x.problem!.message, { rpcCode: x.problem!.code }), x));
    expect(body).toMatchObject({
      id: 4,
      error: { code: -32600, data: { httpStatus: 400, code: 'invalid_jsonrpc', reason: 'InvalidRequest' } },
    });
  });

  it('upstream failures are internal errors; a card fetch has no id', () => {
    const x = classifyA2a('GET', '/.well-known/agent-card.json', null);
    const body = JSON.parse(a2aErrorBody(new GatewayError('upstream_unreachable', 'upstream unreachable'), x));
    expect(body).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32603,
        message: 'upstream unreachable',
        data: { httpStatus: 503, type: 'api_error', code: 'upstream_unreachable', reason: 'UpstreamFailure' },
      },
    });
  });
});

describe('access-log fields', () => {
  it('agentgateway keys plus the task id; unset fields left out', () => {
    const x = call(1, 'tasks/get');
    x.setTask('t-1');
    x.setState('completed');
    x.outcome = 'success';
    expect(a2aLogFields(x)).toEqual({
      protocol: 'a2a',
      'a2a.method': 'tasks/get',
      'a2a.response.outcome': 'success',
      'a2a.task.id': 't-1',
      'a2a.task.state': 'completed',
    });
    expect(a2aLogFields(new A2aExchange('card'))).toEqual({ protocol: 'a2a' });
  });
});

const metrics = new GatewayMetrics('test', new Set());
const a2aRequests = metrics.a2aRequests;

/** What finish() does for a request on an A2A route. */
function countA2aCall(x: A2aExchange, route: string, backend: string): void {
  const labels = a2aCallLabels(x, route, backend);
  if (labels !== null) metrics.countA2aCall(labels);
}

async function count(labels: Record<string, string>): Promise<number> {
  const m = await a2aRequests.get();
  return m.values.find((v) => Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val))?.value ?? 0;
}

describe('agentgateway_a2a_requests_total', () => {
  it('counts calls by method and outcome; unknown methods fold into "other"', async () => {
    const x = call(1, 'tasks/cancel');
    x.outcome = 'error';
    countA2aCall(x, 'r', 'b');
    countA2aCall(x, 'r', 'b');
    const y = call(2, 'x'.repeat(40));
    y.outcome = 'success';
    countA2aCall(y, 'r', 'b');
    expect(await count({ route: 'r', method: 'tasks/cancel', outcome: 'error' })).toBe(2);
    expect(await count({ route: 'r', method: 'other', outcome: 'success' })).toBe(1);
  });

  it('malformed calls count as method "none"; card fetches are not calls', async () => {
    const bad = classifyA2a('POST', '/', Buffer.from('nope'));
    bad.outcome = 'error';
    countA2aCall(bad, 'r2', 'b');
    countA2aCall(classifyA2a('GET', '/.well-known/agent-card.json', null), 'r2', 'b');
    expect(await count({ route: 'r2', method: 'none', outcome: 'error' })).toBe(1);
    expect((await a2aRequests.get()).values.filter((v) => v.labels.route === 'r2')).toHaveLength(1);
  });

  it('method label values are the A2A method names of both versions', () => {
    expect(['message/send', 'SendStreamingMessage', 'tasks/pushNotificationConfig/set', 'GetExtendedAgentCard'].map(methodLabel)).toEqual([
      'message/send',
      'SendStreamingMessage',
      'tasks/pushNotificationConfig/set',
      'GetExtendedAgentCard',
    ]);
    expect(methodLabel('__proto__')).toBe('other');
  });
});
