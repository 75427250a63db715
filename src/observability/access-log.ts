// The access log: one "request" line per request at info level, in the format of the process
// logs (config.logging.format). JSON lines go through a pino logger like every other log line.
// Text lines use agentgateway's own layout (`<time>\tinfo\trequest key=value ...`, which its
// users' log pipelines parse): pino-pretty, which formats the other text logs, costs ~24 µs a
// line (it re-parses pino's JSON), against ~3 µs for this. Both go to one pino SonicBoom stream,
// asynchronous (a stalled stdout never blocks requests; beyond MAX_BUFFER lines are dropped)
// and batched (a line reaches stdout within FLUSH_MS); pino flushes it on exit.
import { pino, type Logger } from 'pino';
import type { LogFormat } from './log.js';
import { promptOf, type RequestRecord } from './record.js';
import type { AccessLogExtra } from './settings.js';
import type { RequestSummary } from './summary.js';

/** Buffered bytes beyond which lines are dropped rather than growing memory (stdout stalled). */
const MAX_BUFFER = 16 * 1024 * 1024;
/** Lines are written in batches of at least this many bytes, or every FLUSH_MS (~1 µs a line saved). */
const BATCH_BYTES = 8192;
const FLUSH_MS = 100;

type Sink = (r: Record<string, unknown>) => void;

/** One stream per format for the process: reconfiguring (a reload) must not open another fd-1 writer. */
const sinks: { json?: Sink; text?: Sink } = {};
let stream: ((line: string) => void) | undefined;

/**
 * SonicBoom (pino's stream) in buffer mode: in string mode it re-measures the whole pending
 * batch on every write (Buffer.byteLength of up to 16 KiB per line), which cost ~1.4 µs a line.
 */
function out(): (line: string) => void {
  if (stream === undefined) {
    const sonic = pino.destination({
      dest: 1,
      sync: false,
      contentMode: 'buffer',
      maxLength: MAX_BUFFER,
      minLength: BATCH_BYTES,
      periodicFlush: FLUSH_MS,
    });
    stream = (line) => void sonic.write(Buffer.from(line) as unknown as string);
  }
  return stream;
}

export class AccessLog {
  private readonly sink: Sink;

  constructor(
    format: LogFormat,
    private readonly remove: ReadonlySet<string>,
    private readonly add: readonly AccessLogExtra[],
  ) {
    this.sink = format === 'json' ? (sinks.json ??= jsonSink()) : (sinks.text ??= textSink());
  }

  /** Whether lines carry this record field (not removed by `accessLog.remove`). */
  keeps(field: string): boolean {
    return !this.remove.has(field);
  }

  write(s: RequestSummary, record: RequestRecord): void {
    // The record is shared with the span: extras and removals go on a copy.
    const plain = this.remove.size === 0 && this.add.length === 0;
    const line: Record<string, unknown> = plain ? record : withoutRemoved(record, this.remove);
    for (const extra of this.add) {
      line[extra.name] = extra.kind === 'prompt' ? promptOf(s.ctx.llmBody) : s.ctx.header(extra.header);
    }
    this.sink(line);
  }
}

function withoutRemoved(record: RequestRecord, remove: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in record) if (!remove.has(k)) out[k] = record[k];
  return out;
}

function jsonSink(): Sink {
  // The same record shape as the process logger's JSON (numeric level, ISO time, no pid/host).
  const write = out();
  const logger: Logger = pino({ level: 'info', base: null, timestamp: pino.stdTimeFunctions.isoTime }, { write });
  return (r) => logger.info(r, 'request');
}

function textSink(): Sink {
  const write = out();
  return (r) => write(textLine(r));
}

/** At thousands of lines a second most share their millisecond: format the time once per ms. */
let stampMs = 0;
let stamp = '';

export function textLine(r: Record<string, unknown>): string {
  const now = Date.now();
  if (now !== stampMs) {
    stampMs = now;
    stamp = new Date(now).toISOString();
  }
  let line = `${stamp}\tinfo\trequest`;
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
