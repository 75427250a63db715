// What undici 7 adds per request when the upstream handler is controller-based (issue 14): its
// core still speaks onConnect/onHeaders/onData/onComplete, so Dispatcher#dispatch wraps such a
// handler in an UnwrapHandler (lib/handler/unwrap-handler.js), which allocates the wrapper and a
// controller per request and parses the raw response headers and trailers into objects that the
// gateway never reads (it relays the raw buffers). This times that adapter alone, against the
// same callbacks called directly, in CPU time (process.cpuUsage), median of 7 rounds.
//   npx tsx bench/micro/undici-adapter.ts
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const UnwrapHandler = require('undici/lib/handler/unwrap-handler') as {
  unwrap(h: object): {
    onConnect(abort: () => void, ctx: object): void;
    onHeaders(status: number, raw: Buffer[], resume: () => void, msg: string): boolean;
    onData(chunk: Buffer): boolean;
    onComplete(trailers: Buffer[]): void;
  };
};
const VERSION = (require('undici/package.json') as { version: string }).version;

/** A provider's JSON response head: 8 headers, as the mock upstream and OpenAI send. */
const RAW = [
  ['content-type', 'application/json'],
  ['content-length', '312'],
  ['date', 'Mon, 07 Dec 2026 20:00:00 GMT'],
  ['x-request-id', 'req_0123456789abcdef'],
  ['openai-processing-ms', '12'],
  ['x-ratelimit-remaining-requests', '9999'],
  ['x-ratelimit-remaining-tokens', '199000'],
  ['connection', 'keep-alive'],
].flatMap(([k, v]) => [Buffer.from(k!), Buffer.from(v!)]);

const noop = (): void => {};
const handler = { onRequestStart: noop, onResponseStart: noop, onResponseData: noop, onResponseEnd: noop, onResponseError: noop };

/** One request through the adapter, as undici 7's core drives it. */
function adapted(): void {
  const h = UnwrapHandler.unwrap(handler);
  h.onConnect(noop, {});
  h.onHeaders(200, RAW, noop, 'OK');
  h.onData(RAW[1]!);
  h.onComplete([]);
}

/** The same callbacks without the adapter (what the legacy protocol costs on top: nothing). */
function direct(): void {
  handler.onRequestStart();
  handler.onResponseStart();
  handler.onResponseData();
  handler.onResponseEnd();
}

function cpuNsPer(fn: () => void, n: number): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) * 1000) / n;
}

for (let i = 0; i < 200_000; i++) {
  adapted();
  direct();
}
const rounds: number[] = [];
for (let r = 0; r < 7; r++) rounds.push(cpuNsPer(adapted, 500_000) - cpuNsPer(direct, 500_000));
rounds.sort((a, b) => a - b);
console.log(
  `undici ${VERSION}: controller-handler adapter, CPU ns per request (8 response headers), 7 rounds of 500k: ` +
    `median ${rounds[3]!.toFixed(0)}, min ${rounds[0]!.toFixed(0)}, max ${rounds[6]!.toFixed(0)}`,
);
