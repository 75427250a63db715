// Session pins in Redis (`sessionAffinity.redis`): key -> provider name, shared by every replica,
// expiring `ttl` after the session's last write. A gateway asks Redis only for a session it does
// not know yet (its first request here, after a restart, or one another replica placed); what
// it places or moves it writes back without waiting. When Redis cannot answer in time the
// session is placed by the hash alone (the same on every replica anyway), so Redis trouble never
// fails a request.
//
// Keys are `agw:affinity:<domain>:<session key, 8 hex digits>`: the session key is a hash, so
// neither a header value nor prompt text is stored. An operator may pin a session by writing
// the provider name there (SET ... PX <ms>).
import { RedisConnection } from './redis-connection.js';

export class AffinityPins {
  private readonly conn: RedisConnection;

  constructor(url: string, timeoutMs: number) {
    this.conn = new RedisConnection(url, timeoutMs, 'session affinity', {
      down: 'is not answering; until it does, sessions are placed by their hash alone (the same on every replica)',
      up: 'answers again; session pins are shared again',
    });
  }

  /** The provider pinned for the session, or null (none, or Redis could not answer in time). */
  async get(domain: string, key: number): Promise<string | null> {
    try {
      await this.conn.connected();
      const v = await this.conn.redis.get(redisKey(domain, key));
      this.conn.markAvailable();
      return v;
    } catch (e) {
      this.conn.markUnavailable(e as Error);
      return null;
    }
  }

  /** Pins (or re-pins) the session for `ttlMs`; best effort, never waited for. */
  set(domain: string, key: number, provider: string, ttlMs: number): void {
    if (!this.conn.isReady) return;
    this.conn.redis
      .set(redisKey(domain, key), provider, 'PX', Math.max(1, Math.round(ttlMs)))
      .catch((e: Error) => this.conn.markUnavailable(e));
  }

  /** Live-state disposal (reload dropped the last policy using it, or shutdown). */
  dispose(): void {
    this.conn.dispose();
  }
}

export function redisKey(domain: string, key: number): string {
  return `agw:affinity:${domain}:${(key >>> 0).toString(16).padStart(8, '0')}`;
}
