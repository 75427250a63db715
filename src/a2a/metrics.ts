// The labels of the A2A request counter (agentgateway_a2a_requests_total, kept by
// src/observability/metrics.ts): calls by route, backend, method and outcome. agentgateway has
// no A2A metric; the name follows its `agentgateway_<protocol>_requests_total` family (MCP has
// one). Method names come from clients, so only the known ones become label values.
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

/** Clients choose the method string: anything unknown is one series, "other", not a series each. */
export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'other';
}

export interface A2aCallLabels {
  readonly route: string;
  readonly backend: string;
  readonly method: string;
  readonly outcome: string;
}

/** The counter's labels for a finished call; null for what is not a call (agent-card fetches, plain HTTP). */
export function a2aCallLabels(x: A2aExchange, route: string, backend: string): A2aCallLabels | null {
  if (x.method === '' && x.binding !== 'jsonrpc') return null;
  return { route, backend, method: x.method === '' ? 'none' : methodLabel(x.method), outcome: x.outcome ?? 'unknown' };
}
