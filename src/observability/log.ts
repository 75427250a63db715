// The process logger. Text (default, for people) or JSON (for collectors), synchronous so a
// crash never loses its last lines. Nothing on the request hot path logs above debug, except
// the access log (target `request`, see access-log.ts), which has its own asynchronous stream.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

function make(format: LogFormat, level: LogLevel): Logger {
  const base = { level, base: null, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === 'json') return pino(base, pino.destination({ dest: 1, sync: true }));
  return pino(base, pretty({ sync: true, colorize: false, ignore: 'pid,hostname', translateTime: 'SYS:standard', singleLine: true }));
}

/**
 * agentgateway's level syntax: a level, then optional `target=level` directives. The one target
 * this gateway has is `request`, the access log (one info line per request): `info,request=off`
 * keeps the process logs at info and turns the access log off. Other targets are accepted and
 * ignored (they name agentgateway's Rust modules).
 */
export interface LevelSpec {
  level: LogLevel;
  /** undefined: the access log follows `level`. */
  request: LogLevel | 'off' | undefined;
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error']);

export function parseLevelSpec(spec: string): LevelSpec | undefined {
  const [head, ...directives] = spec.split(',').map((p) => p.trim().toLowerCase());
  if (!LEVELS.has(head!)) return undefined;
  const out: LevelSpec = { level: head as LogLevel, request: undefined };
  for (const d of directives) {
    const [target, level] = d.split('=');
    if (level === undefined || !(LEVELS.has(level) || level === 'off')) return undefined;
    if (target === 'request') out.request = level as LogLevel | 'off';
  }
  return out;
}

function envLevel(): LevelSpec | undefined {
  const l = process.env.AGW_LOG_LEVEL || process.env.LOG_LEVEL;
  return l ? parseLevelSpec(l) : undefined;
}

function envFormat(): LogFormat {
  return process.env.AGW_LOG_FORMAT === 'json' ? 'json' : 'text';
}

let format: LogFormat = envFormat();
let requestLevel: LevelSpec['request'] = envLevel()?.request;
export let log: Logger = make(format, envLevel()?.level ?? 'info');

/** The format process logs are written in (the access log follows it). */
export function currentLogFormat(): LogFormat {
  return format;
}

/** Whether the access log (info lines of target `request`) is written now. */
export function accessLogEnabled(): boolean {
  return requestLevel === undefined
    ? log.isLevelEnabled('info')
    : requestLevel === 'info' || requestLevel === 'debug' || requestLevel === 'trace';
}

/** Applies `config.logging` (environment variables win, as agentgateway's do). */
export function configureLogging(opts: { format?: LogFormat | undefined; level?: string | undefined }): void {
  format = process.env.AGW_LOG_FORMAT ? envFormat() : (opts.format ?? 'text');
  const spec = envLevel() ?? parseLevelSpec(opts.level ?? 'info') ?? { level: 'info', request: undefined };
  requestLevel = spec.request;
  log = make(format, spec.level);
}
