// Per-request cost of the access log's parts (src/observability/record.ts, access-log.ts) for the
// bench's passthrough request: the record, the text and JSON lines, and the batch a line joins
// (encoded into one Buffer per BATCH_BYTES). `npx tsx bench/micro/access-log.ts`
import { pathToFileURL } from 'node:url';
import { jsonLine, textLine } from '../../src/observability/access-log.js';
import { buildRecord } from '../../src/observability/record.js';
import type { RequestSummary } from '../../src/observability/summary.js';
import { check, nsPerUnit, ROUNDS, TIME_MS } from './common.js';

const BATCH = 1000;

/** The bench's /openai passthrough request as finish() summarises it. */
export function passthroughSummary(): RequestSummary {
  const headers: Record<string, string> = { host: '127.0.0.1:18080' };
  const ctx = {
    bind: { port: 18080 },
    route: { key: '18080/listener0/openai', name: 'openai' },
    upstream: { backend: { name: 'openai', target: { host: '127.0.0.1', port: 18000 } }, attempt: 0, affinity: null },
    mcp: null,
    a2a: null,
    down: { method: 'POST', remoteAddress: '127.0.0.1', httpVersion: undefined },
    header: (n: string) => headers[n],
    path: '/openai/v1/chat/completions',
    trace: null,
    limits: { rateLimitFailure: null },
    apiKey: null,
    llm: { body: null, charge: undefined, guardActions: null },
  };
  return {
    ctx,
    durationS: 0.0004,
    status: 200,
    reason: 'Upstream',
    code: undefined,
    error: undefined,
    llm: true,
    operation: 'chat',
    system: 'openai',
    requestModel: undefined,
    responseModel: undefined,
    usage: undefined,
    ttftS: undefined,
    tpotS: undefined,
    cost: undefined,
  } as unknown as RequestSummary;
}

function loop(fn: () => void): void {
  for (let i = 0; i < BATCH; i++) fn();
}

async function main(): Promise<void> {
  const s = passthroughSummary();
  const record = buildRecord(s);
  const line = textLine(record);
  check(line.includes(' route=openai ') && line.includes(' http.status=200 '), 'text line fields');
  let batch = Buffer.allocUnsafeSlow(65536);
  let used = 0;
  let sink = 0;
  const tasks = {
    'record (buildRecord)': { fn: () => loop(() => buildRecord(s)), units: BATCH },
    'text line (textLine of a record)': { fn: () => loop(() => textLine(record)), units: BATCH },
    'JSON line (jsonLine of a record)': { fn: () => loop(() => jsonLine(record)), units: BATCH },
    'record + text line': { fn: () => loop(() => textLine(buildRecord(s))), units: BATCH },
    'record + text line + batch (encoded into a 64 KiB Buffer)': {
      fn: () =>
        loop(() => {
          const l = textLine(buildRecord(s));
          if (used + l.length * 3 > batch.length) {
            sink += used;
            batch = Buffer.allocUnsafeSlow(65536);
            used = 0;
          }
          used += batch.write(l, used);
        }),
      units: BATCH,
    },
  };
  const ns = await nsPerUnit(tasks);
  console.log(`median of ${ROUNDS} rounds of ${TIME_MS} ms per task, node ${process.version} (${sink > 0 ? 'batches written' : ''})\n`);
  console.log('| part | ns per request |\n| --- | ---: |');
  for (const [name, v] of Object.entries(ns)) console.log(`| ${name} | ${v.toFixed(0)} |`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
