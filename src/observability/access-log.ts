// The access log: one "request" line per request at info level, in the format of the process
// logs (config.logging.format). Both formats are built here from the record's fields in one
// string: JSON in the process logger's shape (numeric level, ISO time, fields, msg), text in
// agentgateway's own layout (`<time>\tinfo\trequest key=value ...`, which its users' log
// pipelines parse; pino-pretty, which formats the other text logs, costs ~24 µs a line). Lines
// collect in memory and go out as one buffer per batch (BATCH_BYTES, or every FLUSH_MS) through
// one pino SonicBoom stream, asynchronous: a stalled stdout never blocks requests, beyond
// MAX_BUFFER lines are dropped; what is pending is written synchronously on exit.
import { pino } from 'pino';
import type { LogFormat } from './log.js';
import type { LoggedRequest, LogShape } from './log-fields.js';
import type { RequestRecord } from './record.js';
import type { RequestSummary } from './summary.js';

/** Buffered bytes beyond which lines are dropped rather than growing memory (stdout stalled). */
const MAX_BUFFER = 16 * 1024 * 1024;
/**
 * Lines are written in batches of at least this many bytes, or every FLUSH_MS. Each write is a
 * hop to libuv's thread pool and back (a thread woken, then the loop woken to hear it finished):
 * at 8 KiB that was one write per ~25 requests and measured ~4 µs per request end to end on a
 * busy 2-core machine; 64 KiB (a Linux pipe's whole buffer) makes it one per ~200.
 */
const BATCH_BYTES = 64 * 1024;
const FLUSH_MS = 100;

type Sink = (r: Record<string, unknown>) => void;

/**
 * The stdout writer the access log batches into, one per Gateway (src/observability/index.ts
 * owns it): a reload builds a new AccessLog on the same sink, so it never opens another fd-1
 * writer. Lines are encoded into one Buffer per batch, written with one SonicBoom write: per
 * line that cost ~1.2 µs in Buffer.from and the stream's bookkeeping. SonicBoom runs in buffer
 * mode (in string mode it re-measures the whole pending batch on every write).
 */
export class AccessLogSink {
  private stream: ((line: string) => void) | undefined;
  private json: Sink | undefined;
  private text: Sink | undefined;

  /** The writer of one format's lines (made on first use). */
  of(format: LogFormat): Sink {
    if (format === 'json') return (this.json ??= jsonSink(this.out()));
    return (this.text ??= textSink(this.out()));
  }

  private out(): (line: string) => void {
    this.stream ??= batchedStdout();
    return this.stream;
  }
}

function batchedStdout(): (line: string) => void {
  const sonic = pino.destination({ dest: 1, sync: false, contentMode: 'buffer', maxLength: MAX_BUFFER, minLength: 0 });
  const lines = lineBatches((b) => sonic.write(b as unknown as string));
  process.once('exit', () => {
    lines.flush();
    try {
      sonic.flushSync();
    } catch {
      // stdout gone: nothing left to write to
    }
  });
  return lines.add;
}

/**
 * Lines collected into batches for `write`: each line is encoded at once into the batch's
 * off-heap buffer, so no line string outlives its request (kept in an array until the flush,
 * they were copied by every scavenge in between). A batch goes out when the next line might not
 * fit, or FLUSH_MS after its first line.
 */
export function lineBatches(write: (batch: Buffer) => void, batchBytes = BATCH_BYTES): { add: (line: string) => void; flush: () => void } {
  let batch: Buffer | null = null;
  let used = 0;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (batch === null || used === 0) return;
    write(batch.subarray(0, used));
    batch = null;
    used = 0;
  };
  const add = (line: string) => {
    // UTF-8 needs at most 3 bytes per UTF-16 unit: a line that might not fit starts a new batch.
    const most = line.length * 3;
    if (batch !== null && used + most > batch.length) flush();
    if (most > batchBytes) {
      write(Buffer.from(line));
      return;
    }
    batch ??= Buffer.allocUnsafeSlow(batchBytes);
    used += batch.write(line, used);
    if (timer === null) timer = setTimeout(flush, FLUSH_MS).unref();
  };
  return { add, flush };
}

export class AccessLog {
  private readonly sink: Sink;

  constructor(
    sink: AccessLogSink,
    format: LogFormat,
    readonly shape: LogShape,
  ) {
    this.sink = sink.of(format);
  }

  /** Whether lines carry this record field (not removed by `accessLog.remove`). */
  keeps(field: string): boolean {
    return !this.shape.remove.has(field);
  }

  /** Writes the line, unless `accessLog.filter` refuses the request. */
  write(s: RequestSummary, record: RequestRecord, req: LoggedRequest): void {
    const shape = this.shape;
    if (shape.plain) {
      this.sink(record);
      return;
    }
    const act = shape.activation(s, req);
    if (shape.accepts(act)) this.sink(shape.shape(s, record, act));
  }
}

function jsonSink(write: (line: string) => void): Sink {
  return (r) => write(jsonLine(r));
}

/** The process logger's JSON shape (numeric level, ISO time, the fields, then msg; no pid/host). */
export function jsonLine(r: Record<string, unknown>): string {
  let line = `{"level":30,"time":"${stampNow()}"`;
  for (const k in r) {
    const v = r[k];
    if (v === undefined) continue;
    const f = keyFormat(k);
    if (typeof v === 'string') line += f.seenJson === null ? f.json + jsonString(v) : remembered(f.seenJson, v, f.json, jsonString);
    else line += f.json + JSON.stringify(v);
  }
  return `${line},"msg":"request"}\n`;
}

/** Nothing JSON must escape (quote, backslash, control characters, lone surrogates are rarer still). */
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** A JSON string literal; most record values need no escaping, so skip JSON.stringify for them. */
function jsonString(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

function textSink(write: (line: string) => void): Sink {
  return (r) => write(textLine(r));
}

/** At thousands of lines a second most share their millisecond: format the time once per ms. */
let stampMs = 0;
let stamp = '';

function stampNow(): string {
  const now = Date.now();
  if (now !== stampMs) {
    stampMs = now;
    stamp = new Date(now).toISOString();
  }
  return stamp;
}

export function textLine(r: Record<string, unknown>): string {
  let line = `${stampNow()}\tinfo\trequest`;
  for (const k in r) {
    const v = r[k];
    if (v === undefined) continue;
    const f = keyFormat(k);
    if (typeof v === 'string' && f.seenText !== null) line += remembered(f.seenText, v, f.text, textValue);
    else line += f.text + textValue(v);
  }
  return `${line}\n`;
}

// Formatting a field is a key prefix and a value checked against a regex (and quoted when it
// must be). Most fields of a busy gateway's lines repeat (route, backend, endpoint, method,
// host, model, client address): for those keys the whole ` key=value` fragment is remembered
// per value, so a line is mostly Map lookups and one concatenation per field (measured in
// bench/micro/access-log.ts). Keys whose values rarely repeat (path, duration, ids, errors)
// are formatted each time. Each key remembers at most SEEN_MAX values, then starts over.

/** Record keys whose values repeat from request to request. */
const REPEATING: ReadonlySet<string> = new Set([
  'gateway',
  'listener',
  'route',
  'backend',
  'endpoint',
  'src.addr',
  'http.method',
  'http.host',
  'http.version',
  'http.status',
  'protocol',
  'gen_ai.operation.name',
  'gen_ai.provider.name',
  'gen_ai.request.model',
  'gen_ai.response.model',
  'key.name',
  'key.team',
  'reason',
  'error.code',
]);
const SEEN_MAX = 512;
/** Keys are the record's and the config's `add` names: bounded, but never grown past this. */
const KEYS_MAX = 1024;

interface KeyFormat {
  /** ` key=` */
  readonly text: string;
  /** `,"key":` */
  readonly json: string;
  readonly seenText: Map<string, string> | null;
  readonly seenJson: Map<string, string> | null;
}

const keys = new Map<string, KeyFormat>();

function keyFormat(k: string): KeyFormat {
  const known = keys.get(k);
  if (known !== undefined) return known;
  const repeats = REPEATING.has(k);
  const f: KeyFormat = {
    text: ` ${k}=`,
    json: `,${jsonString(k)}:`,
    seenText: repeats ? new Map() : null,
    seenJson: repeats ? new Map() : null,
  };
  if (keys.size < KEYS_MAX) keys.set(k, f);
  return f;
}

/** `prefix + format(v)`, remembered per value in `seen`. */
function remembered(seen: Map<string, string>, v: string, prefix: string, format: (v: string) => string): string {
  let fragment = seen.get(v);
  if (fragment === undefined) {
    fragment = prefix + format(v);
    if (seen.size >= SEEN_MAX) seen.clear();
    seen.set(v, fragment);
  }
  return fragment;
}

/** Values are bare when they cannot be misread, else JSON-quoted (so a newline never splits a line). */
const BARE = /^[\w.\-/:@[\]+,]+$/;

function textValue(v: unknown): string {
  if (typeof v === 'number') return String(v);
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return BARE.test(s) ? s : JSON.stringify(s);
}
