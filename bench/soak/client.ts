// One soak request: sent with undici over the harness's keep-alive pool, read to the end (or
// aborted on purpose), and judged against the outcome faults.ts expects for its plan.
import { type Agent, request } from 'undici';
import { isAnswerBody, isErrorBody, jsonBody, sseFrames, streamShape } from './dialects.js';
import { describeExpected, expectedOutcome, type Expected, type Fault, type Kind } from './faults.js';

export type AbortPlan = { readonly at: 'none' } | { readonly at: 'before-head'; readonly afterMs: number } | { readonly at: 'mid-stream' };

export interface SoakRequest {
  readonly id: number;
  readonly kind: Kind;
  readonly plan: readonly [Fault, Fault];
  readonly abort: AbortPlan;
}

export type Outcome = 'ok' | 'upstream-fault' | 'client-aborted' | 'lost';

export type LostReason =
  | 'refused'
  | 'no-response'
  | 'hang'
  | 'wrong-dialect'
  | 'unexpected-status'
  | 'unexpected-outcome'
  | 'truncated'
  | 'missing-retry-after';

export interface Result {
  readonly outcome: Outcome;
  readonly reason?: LostReason;
  /** For lost requests: what was expected and what came back (no secrets: all mock content). */
  readonly detail?: string;
  readonly ms: number;
  readonly generation?: string;
}

/** What the client saw. */
interface Seen {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body ended cleanly (else: the error that ended it). */
  bodyError: string | null;
  /** The error before any response head (code). */
  headError: string | null;
  abortedByUs: boolean;
  hung: boolean;
}

export interface ClientOptions {
  readonly baseUrl: string;
  readonly agent: Agent;
  /** Past this without an end the request counts as hung (the config's requestTimeout + slack). */
  readonly deadlineMs: number;
}

export function requestBody(r: SoakRequest): string {
  const k = r.kind;
  const text = `soak request ${r.id}`;
  if (k.dialect === 'a2a') {
    return JSON.stringify({
      jsonrpc: '2.0',
      id: r.id,
      method: k.stream ? 'message/stream' : 'message/send',
      params: { message: { kind: 'message', role: 'user', messageId: `soak-${r.id}`, parts: [{ kind: 'text', text }] } },
    });
  }
  const messages = [{ role: 'user', content: text }];
  if (k.dialect === 'anthropic') return JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 64, messages, stream: k.stream });
  return JSON.stringify({ model: 'gpt-4o-mini', messages, stream: k.stream, max_tokens: 64 });
}

export async function send(r: SoakRequest, o: ClientOptions): Promise<Result> {
  const t0 = performance.now();
  const seen = await observe(r, o);
  const ms = performance.now() - t0;
  const gen = seen.headers['x-soak-config'];
  const generation = typeof gen === 'string' ? gen : undefined;
  return { ...judge(r, seen), ms, ...(generation !== undefined ? { generation } : {}) };
}

async function observe(r: SoakRequest, o: ClientOptions): Promise<Seen> {
  const seen: Seen = { status: 0, headers: {}, text: '', bodyError: null, headError: null, abortedByUs: false, hung: false };
  const ac = new AbortController();
  const hang = setTimeout(() => {
    seen.hung = true;
    ac.abort();
  }, o.deadlineMs);
  const abortNow = () => {
    seen.abortedByUs = true;
    ac.abort();
  };
  const early = r.abort.at === 'before-head' ? setTimeout(abortNow, r.abort.afterMs) : null;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-soak-fault': r.plan.join(','),
    'x-soak-id': String(r.id),
  };
  if (r.kind.dialect === 'anthropic') headers['anthropic-version'] = '2023-06-01';
  try {
    const res = await request(`${o.baseUrl}${r.kind.path}`, {
      method: 'POST',
      headers,
      body: requestBody(r),
      dispatcher: o.agent,
      signal: ac.signal,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    seen.status = res.statusCode;
    seen.headers = res.headers;
    const chunks: Buffer[] = [];
    try {
      for await (const c of res.body) {
        chunks.push(c as Buffer);
        // Mid-stream abort: once a couple of events arrived, the client goes away.
        if (r.abort.at === 'mid-stream' && !seen.abortedByUs && Buffer.concat(chunks).toString().split('\n\n').length > 2) abortNow();
      }
    } catch (e) {
      seen.bodyError = errorCode(e);
    }
    seen.text = Buffer.concat(chunks).toString('utf8');
  } catch (e) {
    seen.headError = errorCode(e);
  } finally {
    clearTimeout(hang);
    if (early !== null) clearTimeout(early);
  }
  return seen;
}

function errorCode(e: unknown): string {
  const x = e as { code?: string; name?: string; cause?: { code?: string }; message?: string };
  return x.code ?? x.cause?.code ?? x.name ?? String(x.message ?? e);
}

function lost(reason: LostReason, r: SoakRequest, expected: Expected, got: string): Omit<Result, 'ms'> {
  return {
    outcome: 'lost',
    reason,
    detail: `#${r.id} ${r.kind.name} plan ${r.plan.join(',')}: expected ${describeExpected(expected)}, got ${got}`,
  };
}

function judge(r: SoakRequest, s: Seen): Omit<Result, 'ms'> {
  const expected = expectedOutcome(r.kind, r.plan);
  if (s.hung)
    return lost('hang', r, expected, `no end within ${s.status === 0 ? 'the deadline (no head)' : `the deadline (status ${s.status})`}`);
  if (s.abortedByUs) return { outcome: 'client-aborted' };
  if (s.headError !== null) {
    return lost(s.headError === 'ECONNREFUSED' ? 'refused' : 'no-response', r, expected, `no response (${s.headError})`);
  }
  const what = `${s.status} ${s.text.slice(0, 160).replace(/\s+/g, ' ')}${s.bodyError !== null ? ` [then ${s.bodyError}]` : ''}`;
  if (s.bodyError !== null) {
    if (expected.kind === 'cut' && s.status === 200) return { outcome: 'upstream-fault' };
    return lost('truncated', r, expected, what);
  }
  const stream = r.kind.stream && s.status === 200;
  if (stream) return judgeStream(r, s, expected, what);
  if (expected.kind !== 'error') {
    if (s.status !== 200) return lost('unexpected-status', r, expected, what);
    if (expected.kind !== 'ok') return lost('unexpected-outcome', r, expected, what);
    return isAnswerBody(r.kind.dialect, jsonBody(s.text), r.id) ? { outcome: 'ok' } : lost('wrong-dialect', r, expected, what);
  }
  if (s.status !== expected.status) return lost('unexpected-status', r, expected, what);
  if (!isErrorBody(r.kind.dialect, jsonBody(s.text), r.id)) return lost('wrong-dialect', r, expected, what);
  if (expected.retryAfter && s.headers['retry-after'] === undefined) return lost('missing-retry-after', r, expected, what);
  return { outcome: 'upstream-fault' };
}

function judgeStream(r: SoakRequest, s: Seen, expected: Expected, what: string): Omit<Result, 'ms'> {
  const shape = streamShape(r.kind.dialect, sseFrames(s.text), r.id);
  if (shape === 'foreign') return lost('wrong-dialect', r, expected, what);
  if (expected.kind === 'ok')
    return shape === 'complete' ? { outcome: 'ok' } : lost('unexpected-outcome', r, expected, `${shape}: ${what}`);
  if (expected.kind === 'stream-error' && shape === 'error-ended') return { outcome: 'upstream-fault' };
  if (expected.kind === 'error') return lost('unexpected-status', r, expected, what);
  return lost('unexpected-outcome', r, expected, `${shape}: ${what}`);
}
