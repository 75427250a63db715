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
/** Lines are written in batches of at least this many bytes, or every FLUSH_MS (~1 µs a line saved). */
const BATCH_BYTES = 8192;
const FLUSH_MS = 100;

type Sink = (r: Record<string, unknown>) => void;

/**
 * The stdout writer the access log batches into, one per Gateway (src/observability/index.ts
 * owns it): a reload builds a new AccessLog on the same sink, so it never opens another fd-1
 * writer. Lines are joined and converted once per batch (one Buffer, one SonicBoom write): per
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
  let pending: string[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (pending.length === 0) return;
    const batch = Buffer.from(pending.join(''));
    pending = [];
    size = 0;
    sonic.write(batch as unknown as string);
  };
  process.once('exit', () => {
    flush();
    try {
      sonic.flushSync();
    } catch {
      // stdout gone: nothing left to write to
    }
  });
  return (line) => {
    pending.push(line);
    size += line.length;
    if (size >= BATCH_BYTES) flush();
    else if (timer === null) timer = setTimeout(flush, FLUSH_MS).unref();
  };
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
    if (v !== undefined) line += `,${jsonString(k)}:${typeof v === 'string' ? jsonString(v) : JSON.stringify(v)}`;
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
    if (v !== undefined) line += ` ${k}=${textValue(v)}`;
  }
  return `${line}\n`;
}

/** Values are bare when they cannot be misread, else JSON-quoted (so a newline never splits a line). */
const BARE = /^[\w.\-/:@[\]+,]+$/;

function textValue(v: unknown): string {
  if (typeof v === 'number') return String(v);
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return BARE.test(s) ? s : JSON.stringify(s);
}
