// What the soak sends, what the mock upstream does to it, and what the client must get back.
//
// The harness picks every request's fault plan at random and sends it to the mock in the
// `x-soak-fault` header ("<attempt 0>,<attempt 1>"); the mock applies the entry of the attempt
// it is serving (the gateway numbers retries in `x-retry-attempt`). So the faults are random,
// but every request's expected outcome is known exactly, and any other outcome is a defect.
//
// The gateway runs with (config.ts):
//   retry:   attempts 1 (two tries), codes [429, 503, 504], backoff 50ms
//   timeout: backendRequestTimeout 5s, firstByteTimeout 6s, streamIdleTimeout 4s,
//            requestTimeout 20s (seconds of margin over every fault that answers, so a
//            machine stalling for a moment does not turn an answer into a timeout)
//   /oai:    a priority group of two OpenAI providers with health (5xx and 429 unhealthy,
//            eviction after 2 in a row for 2s); when both are evicted both stay in rotation,
//            so eviction changes where a request goes, never its outcome.
//
// Expectations, per attempt fault (attempt 1 only runs when attempt 0 is retried):
//   ok, slow     answered normally (slow: head after 200-800 ms, or stream events 60 ms apart,
//                under every timeout)                                         -> ok
//   e503         503 with a provider error body; retried                     -> attempt 1's outcome
//   e429         429 with Retry-After: 1; retried after that second (under
//                retry.maxRetryAfter's 10s default)                          -> attempt 1's outcome
//   reset        socket destroyed after the request was read: the gateway
//                calls it 503, which is a retry code                         -> attempt 1's outcome
//   stall        never answers: backendRequestTimeout makes it a 504, which
//                is a retry code                                             -> attempt 1's outcome
//   e500         500 with a provider error body; not a retry code            -> 500 in the client's dialect
//   head-stall   response head, then nothing: firstByteTimeout. The head is
//                committed (no retry) but no byte reached the client          -> 504 in the client's dialect
//   body-reset   JSON head with Content-Length, half the body, then a reset.
//                No byte reached the client (JSON is held or converted)       -> 503 in the client's dialect
//   mid-stall    stream head and 3 events, then silence: streamIdleTimeout    -> stream error (below)
//   mid-reset    stream head and 3 events, then a reset                       -> stream error (below)
// As the last attempt's outcome, e503/e429 are that status (429 keeps its Retry-After), reset
// a 503 and stall a 504, each in the client's dialect.
// "Stream error": LLM routes (parsed or translated) end the stream with one error event in the
// client's dialect and no [DONE]/message_stop; A2A streams with a JSON-RPC error event; the
// passthrough route relays bytes as they come, so it can only cut the connection (as nginx does):
// the client sees the body end uncleanly ("cut").

export type Dialect = 'openai' | 'anthropic' | 'a2a';

export interface Kind {
  readonly name: string;
  readonly path: string;
  readonly dialect: Dialect;
  readonly stream: boolean;
  /** Which body the mock upstream answers with: the provider's format, or an A2A agent's. */
  readonly upstream: 'openai' | 'anthropic' | 'a2a';
  /** Relayed byte for byte (a failure mid-body can only cut the connection). */
  readonly passthrough: boolean;
  readonly weight: number;
}

/** The request mix. Translated kinds are the client dialect on the other provider. */
export const KINDS: readonly Kind[] = [
  {
    name: 'openai json',
    path: '/oai/v1/chat/completions',
    dialect: 'openai',
    stream: false,
    upstream: 'openai',
    passthrough: false,
    weight: 3,
  },
  {
    name: 'openai sse',
    path: '/oai/v1/chat/completions',
    dialect: 'openai',
    stream: true,
    upstream: 'openai',
    passthrough: false,
    weight: 3,
  },
  {
    name: 'anthropic json',
    path: '/ant/v1/messages',
    dialect: 'anthropic',
    stream: false,
    upstream: 'anthropic',
    passthrough: false,
    weight: 2,
  },
  {
    name: 'anthropic sse',
    path: '/ant/v1/messages',
    dialect: 'anthropic',
    stream: true,
    upstream: 'anthropic',
    passthrough: false,
    weight: 2,
  },
  {
    name: 'openai→anthropic json',
    path: '/ant/v1/chat/completions',
    dialect: 'openai',
    stream: false,
    upstream: 'anthropic',
    passthrough: false,
    weight: 1,
  },
  {
    name: 'openai→anthropic sse',
    path: '/ant/v1/chat/completions',
    dialect: 'openai',
    stream: true,
    upstream: 'anthropic',
    passthrough: false,
    weight: 2,
  },
  {
    name: 'anthropic→openai sse',
    path: '/oai/v1/messages',
    dialect: 'anthropic',
    stream: true,
    upstream: 'openai',
    passthrough: false,
    weight: 2,
  },
  {
    name: 'passthrough json',
    path: '/pass/v1/chat/completions',
    dialect: 'openai',
    stream: false,
    upstream: 'openai',
    passthrough: true,
    weight: 1,
  },
  {
    name: 'passthrough sse',
    path: '/pass/v1/chat/completions',
    dialect: 'openai',
    stream: true,
    upstream: 'openai',
    passthrough: true,
    weight: 1,
  },
  { name: 'a2a send', path: '/agent', dialect: 'a2a', stream: false, upstream: 'a2a', passthrough: true, weight: 1 },
  { name: 'a2a stream', path: '/agent', dialect: 'a2a', stream: true, upstream: 'a2a', passthrough: true, weight: 1 },
];

export type Fault = 'ok' | 'slow' | 'e500' | 'e503' | 'e429' | 'reset' | 'stall' | 'head-stall' | 'body-reset' | 'mid-stall' | 'mid-reset';

/** Faults the gateway retries (their status is in retry.codes). */
const RETRIED: ReadonlySet<Fault> = new Set(['e503', 'e429', 'reset', 'stall']);

/** First-attempt weights: about half the requests meet a fault. */
const FIRST: readonly [Fault, number][] = [
  ['ok', 44],
  ['slow', 8],
  ['e500', 4],
  ['e503', 8],
  ['e429', 6],
  ['reset', 8],
  ['stall', 4],
  ['head-stall', 3],
  ['body-reset', 4], // JSON kinds only
  ['mid-stall', 4], // stream kinds only
  ['mid-reset', 7], // stream kinds only
];

/** After a retried fault, the retry mostly succeeds, sometimes meets the same kind of trouble. */
const RETRY: readonly [Fault, number][] = [
  ['ok', 60],
  ['slow', 5],
  ['e503', 10],
  ['e429', 8],
  ['reset', 10],
  ['stall', 4],
  ['e500', 3],
];

const JSON_ONLY: ReadonlySet<Fault> = new Set(['body-reset']);
const STREAM_ONLY: ReadonlySet<Fault> = new Set(['mid-stall', 'mid-reset']);

function fits(kind: Kind, f: Fault): boolean {
  return kind.stream ? !JSON_ONLY.has(f) : !STREAM_ONLY.has(f);
}

export function pickWeighted<T>(items: readonly (readonly [T, number])[], rnd: () => number): T {
  let total = 0;
  for (const [, w] of items) total += w;
  let r = rnd() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

export function pickKind(rnd: () => number): Kind {
  return pickWeighted(
    KINDS.map((k) => [k, k.weight] as const),
    rnd,
  );
}

/** A plan for both attempts; the second entry matters only when the first is retried. */
export function pickPlan(kind: Kind, rnd: () => number): [Fault, Fault] {
  const first = pickWeighted(
    FIRST.filter(([f]) => fits(kind, f)),
    rnd,
  );
  const second = RETRIED.has(first) ? pickWeighted(RETRY, rnd) : 'ok';
  return [first, second];
}

export type Expected =
  | { readonly kind: 'ok' }
  | { readonly kind: 'error'; readonly status: number; readonly retryAfter: boolean }
  | { readonly kind: 'stream-error' }
  | { readonly kind: 'cut' };

/** The outcome the client must see for a plan (see the table at the top of this file). */
export function expectedOutcome(kind: Kind, plan: readonly [Fault, Fault]): Expected {
  const last = RETRIED.has(plan[0]) ? plan[1] : plan[0];
  switch (last) {
    case 'ok':
    case 'slow':
      return { kind: 'ok' };
    case 'e500':
      return { kind: 'error', status: 500, retryAfter: false };
    case 'e503':
    case 'reset':
    case 'body-reset':
      return { kind: 'error', status: 503, retryAfter: false };
    case 'e429':
      return { kind: 'error', status: 429, retryAfter: true };
    case 'stall':
    case 'head-stall':
      return { kind: 'error', status: 504, retryAfter: false };
    case 'mid-stall':
    case 'mid-reset':
      return kind.passthrough && kind.dialect !== 'a2a' ? { kind: 'cut' } : { kind: 'stream-error' };
  }
}

export function describeExpected(e: Expected): string {
  return e.kind === 'error' ? `error ${e.status}` : e.kind;
}
