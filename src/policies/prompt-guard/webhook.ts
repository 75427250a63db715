// agentgateway's guardrail webhook protocol (llm/policy/webhook.rs; kgateway's "Guardrail
// Webhook API"): the gateway POSTs `{"body":{"messages":[{role,content}]}}` to `/request`, or
// `{"body":{"choices":[{"message":{role,content}}]}}` to `/response`, and the service answers
// `{"action": ...}`, untagged: reject `{body: "<text>", status_code: N, reason?}`, mask
// `{body: {messages|choices}, reason?}`, or pass `{reason?}`.
import type { PolicyEndpoint } from '../network.js';
import type { MessageText } from './texts.js';

export interface WebhookTarget {
  /** The guardrail service, through the policy compiler's network port. */
  readonly endpoint: PolicyEndpoint;
  readonly timeoutMs: number;
  readonly failOpen: boolean;
}

export type WebhookVerdict =
  | { readonly kind: 'pass' }
  /** One replacement text per message sent, in order. */
  | { readonly kind: 'mask'; readonly texts: string[] }
  | { readonly kind: 'reject'; readonly status: number; readonly body: string };

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export async function checkPrompt(t: WebhookTarget, messages: readonly MessageText[]): Promise<WebhookVerdict> {
  const reply = await call(t, '/request', { body: { messages } });
  return verdictOf(reply, (body) => listOf(body.messages, (m) => m));
}

export async function checkAnswer(t: WebhookTarget, answers: readonly MessageText[]): Promise<WebhookVerdict> {
  const reply = await call(t, '/response', { body: { choices: answers.map((message) => ({ message })) } });
  return verdictOf(reply, (body) => listOf(body.choices, (c) => (isObj(c) ? c.message : undefined)));
}

async function call(t: WebhookTarget, path: string, payload: unknown): Promise<Obj> {
  const reply = await t.endpoint.call({
    method: 'POST',
    path,
    headers: ['content-type', 'application/json'],
    body: JSON.stringify(payload),
    timeoutMs: t.timeoutMs,
  });
  const status = reply.status;
  const text = reply.body.toString('utf8');
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new Error(`reply (HTTP ${status}) is not JSON`);
  }
  if (status < 200 || status >= 300) throw new Error(`guardrail webhook answered HTTP ${status}`);
  if (!isObj(body) || !isObj(body.action)) throw new Error('guardrail webhook reply has no action object');
  return body.action;
}

function verdictOf(action: Obj, texts: (body: Obj) => string[] | null): WebhookVerdict {
  if (typeof action.status_code === 'number' && typeof action.body === 'string') {
    const status = action.status_code >= 400 && action.status_code <= 599 ? action.status_code : 403;
    return { kind: 'reject', status, body: action.body };
  }
  if (isObj(action.body)) {
    const replaced = texts(action.body);
    if (replaced === null) throw new Error('guardrail webhook mask action has no messages or choices');
    return { kind: 'mask', texts: replaced };
  }
  return { kind: 'pass' };
}

function listOf(v: unknown, message: (item: unknown) => unknown): string[] | null {
  if (!Array.isArray(v)) return null;
  const out: string[] = [];
  for (const item of v) {
    const m = message(item);
    if (!isObj(m) || typeof m.content !== 'string') return null;
    out.push(m.content);
  }
  return out;
}
