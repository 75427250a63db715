// The A2A request counter: calls by route, backend, method and outcome. agentgateway has no A2A
// metric; the name follows its `agentgateway_<protocol>_requests_total` family (MCP has one).
// The counter is created unregistered: the process's metrics registry registers it (one line,
// `registry.registerMetric(a2aRequests)`), so this module needs nothing from observability.
import { Counter } from 'prom-client';
import type { A2aExchange } from './exchange.js';

/** Method names of A2A v0.2/v0.3 JSON-RPC and v1.0 (all bindings): the only method label values. */
const KNOWN_METHODS = new Set([
  'message/send',
  'message/stream',
  'tasks/get',
  'tasks/cancel',
  'tasks/resubscribe',
  'tasks/send',
  'tasks/sendSubscribe',
  'tasks/pushNotificationConfig/set',
  'tasks/pushNotificationConfig/get',
  'tasks/pushNotificationConfig/list',
  'tasks/pushNotificationConfig/delete',
  'agent/getAuthenticatedExtendedCard',
  'SendMessage',
  'SendStreamingMessage',
  'GetTask',
  'ListTasks',
  'CancelTask',
  'SubscribeToTask',
  'CreateTaskPushNotificationConfig',
  'GetTaskPushNotificationConfig',
  'ListTaskPushNotificationConfigs',
  'DeleteTaskPushNotificationConfig',
  'GetExtendedAgentCard',
]);

export const a2aRequests = new Counter({
  name: 'agentgateway_a2a_requests_total',
  help: 'A2A calls (JSON-RPC and HTTP+JSON) by method and outcome (success, error, unknown)',
  labelNames: ['route', 'backend', 'method', 'outcome'] as const,
  registers: [],
});

/** Clients choose the method string: anything unknown is one series, "other", not a series each. */
export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'other';
}

/** Counts a finished call (agent-card fetches and other plain HTTP requests are not calls). */
export function countA2aCall(x: A2aExchange, route: string, backend: string): void {
  if (x.method === '' && x.binding !== 'jsonrpc') return;
  a2aRequests.inc({ route, backend, method: x.method === '' ? 'none' : methodLabel(x.method), outcome: x.outcome ?? 'unknown' });
}
