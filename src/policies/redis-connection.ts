// One Redis connection as the policies that keep state in Redis need it (redisRateLimit's
// buckets, sessionAffinity's pins): commands fail fast instead of queueing (no offline queue, a
// command timeout), the first requests wait for the connection up to the timeout and later ones
// never wait (a lost connection fails them at once while ioredis reconnects), and a Redis that
// stops answering is logged once per outage, and once more when it answers again. Never logs
// the URL (it may carry a password), only host:port.
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { log } from '../observability/log.js';

/**
 * ioredis (~25 MB resident) loads with the first connection, so configs without a Redis-backed
 * policy never load it (test/e2e/lazy-dependencies.test.ts); as eventstream.ts does for the AWS
 * codec, it is required synchronously because callers define their scripts at construction.
 */
let ioredis: { Redis: typeof Redis } | null = null;
const loadRedis = () => (ioredis ??= createRequire(import.meta.url)('ioredis') as { Redis: typeof Redis });

export interface OutageMessages {
  /** Logged (warn) when Redis stops answering; prefixed with "<feature>: redis at host:port ". */
  readonly down: string;
  /** Logged (info) when it answers again. */
  readonly up: string;
}

export class RedisConnection {
  readonly redis: Redis;
  private ready: Promise<void> | null = null;
  private everReady = false;
  private unavailable = false;
  /** host:port for log lines. */
  private readonly where: string;

  constructor(
    url: string,
    private readonly timeoutMs: number,
    private readonly feature: string,
    private readonly messages: OutageMessages,
  ) {
    this.where = new URL(url).host;
    const { Redis } = loadRedis();
    this.redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: timeoutMs,
      connectTimeout: Math.max(timeoutMs, 1000),
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    this.redis.on('ready', () => (this.everReady = true));
    this.redis.on('error', (err: Error) => this.markUnavailable(err));
  }

  /** Ready for commands now (fire-and-forget writes skip a Redis that is not). */
  get isReady(): boolean {
    return this.redis.status === 'ready';
  }

  /**
   * The first requests open the connection and wait for it (up to the timeout); once it was up,
   * nobody waits again: a lost connection fails requests at once while ioredis reconnects.
   * A first connection that failed keeps failing requests at once too, until one succeeds.
   */
  connected(): Promise<void> | void {
    if (this.everReady) return;
    if (this.ready === null) {
      this.ready = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('redis: no connection yet')), this.timeoutMs);
        this.redis.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.ready.catch(() => {});
      this.redis.connect().catch(() => {});
    }
    return this.ready;
  }

  /** Logged once per outage, whatever says so first (a failed command, a connection error). */
  markUnavailable(err: Error): void {
    if (this.unavailable) return;
    this.unavailable = true;
    log.warn({ err: err.message }, `${this.feature}: redis at ${this.where} ${this.messages.down}`);
  }

  markAvailable(): void {
    if (!this.unavailable) return;
    this.unavailable = false;
    log.info(`${this.feature}: redis at ${this.where} ${this.messages.up}`);
  }

  dispose(): void {
    this.redis.disconnect();
  }
}
