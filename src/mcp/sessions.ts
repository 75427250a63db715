// The sessions of one MCP backend, and the status of its targets. Kept by the runtime's
// live-state registry: a reload that leaves the backend's targets and modes unchanged keeps every
// session (and its upstream connections); a changed backend starts a new store and the old one
// closes its sessions once no serving snapshot uses it. Idle sessions are closed after the TTL
// (agentgateway's config.mcp.sessionTtl, default 30 minutes).
import { randomUUID } from 'node:crypto';
import { log } from '../observability/log.js';
import { TargetRegistry } from './registry.js';
import { McpSession, type SessionConfig } from './session.js';
import type { Namer } from './names.js';
import type { McpTargetRt } from './targets.js';

export const DEFAULT_SESSION_TTL_MS = 30 * 60_000;

export class SessionStore {
  readonly registry: TargetRegistry;
  private readonly sessions = new Map<string, McpSession>();
  private timer: NodeJS.Timeout | null = null;
  private readonly config: SessionConfig;

  constructor(
    targets: readonly McpTargetRt[],
    namer: Namer,
    readonly ttlMs: number,
  ) {
    this.registry = new TargetRegistry(targets);
    this.config = { targets, namer, registry: this.registry };
  }

  /** A new session, not yet reachable by id (see register). */
  create(legacy = false): McpSession {
    return new McpSession(randomUUID(), this.config, legacy);
  }

  /** A session whose initialize succeeded becomes reachable by its id. */
  register(s: McpSession): void {
    this.sessions.set(s.id, s);
    this.startReaper();
  }

  get(id: string): McpSession | undefined {
    const s = this.sessions.get(id);
    return s?.closed === false ? s : undefined;
  }

  /** DELETE from the client: the session and its upstream sessions end. */
  async delete(id: string): Promise<boolean> {
    const s = this.sessions.get(id);
    if (s === undefined) return false;
    this.sessions.delete(id);
    await s.close();
    return true;
  }

  get size(): number {
    return this.sessions.size;
  }

  liveStatus(): Record<string, unknown> {
    return { sessions: this.sessions.size, targets: this.registry.describe() };
  }

  /** No serving snapshot uses this backend any more: close everything. */
  async dispose(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(all.map((s) => s.close()));
  }

  private startReaper(): void {
    if (this.timer !== null) return;
    const every = Math.max(50, Math.min(30_000, Math.floor(this.ttlMs / 2)));
    this.timer = setInterval(() => this.reap(), every);
    this.timer.unref();
  }

  private reap(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) {
      if (s.idleFor(now) < this.ttlMs) continue;
      this.sessions.delete(id);
      log.debug({ session: id }, 'mcp session idle for longer than sessionTtl: closed');
      void s.close();
    }
  }
}
