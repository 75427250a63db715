// The process logger. Text (default, for people) or JSON (for collectors), synchronous so a
// crash never loses its last lines. Nothing on the request hot path logs above debug.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

function make(format: LogFormat, level: LogLevel): Logger {
  const base = { level, base: null, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === 'json') return pino(base, pino.destination({ dest: 1, sync: true }));
  return pino(base, pretty({ sync: true, colorize: false, ignore: 'pid,hostname', translateTime: 'SYS:standard', singleLine: true }));
}

function envLevel(): LogLevel {
  const l = process.env.AGW_LOG_LEVEL ?? process.env.LOG_LEVEL;
  return l === 'trace' || l === 'debug' || l === 'warn' || l === 'error' ? l : 'info';
}

function envFormat(): LogFormat {
  return process.env.AGW_LOG_FORMAT === 'json' ? 'json' : 'text';
}

let format: LogFormat = envFormat();
export let log: Logger = make(format, envLevel());

/** The format process logs are written in (the access log follows it). */
export function currentLogFormat(): LogFormat {
  return format;
}

/** Applies `config.logging` (environment variables win, as agentgateway's do). */
export function configureLogging(opts: { format?: LogFormat | undefined; level?: LogLevel | undefined }): void {
  format = process.env.AGW_LOG_FORMAT ? envFormat() : (opts.format ?? 'text');
  const level = process.env.AGW_LOG_LEVEL || process.env.LOG_LEVEL ? envLevel() : (opts.level ?? 'info');
  log = make(format, level);
}
