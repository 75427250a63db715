// What the gateway knows about each target of a backend across all sessions, for the admin API
// and UI: whether the last connection attempt worked, the last error, how many sessions hold a
// connection, what the server says it is, and the tools it listed last (names and descriptions).
import type { McpTargetRt } from './targets.js';
import { describeTarget } from './targets.js';

export type TargetHealth = 'unknown' | 'up' | 'down';

/** Tools kept per target for the UI; descriptions are cut. */
const MAX_TOOLS = 500;

export class TargetStatus {
  health: TargetHealth = 'unknown';
  lastError: string | null = null;
  changedAt: number | null = null;
  connections = 0;
  server: { name?: unknown; version?: unknown } | null = null;
  tools: { name: string; description?: string }[] | null = null;
  toolsAt: number | null = null;

  connected(init: Record<string, unknown> | null): void {
    this.connections++;
    this.set('up', null);
    const info = init?.serverInfo as { name?: unknown; version?: unknown } | undefined;
    if (info !== undefined) this.server = { name: info.name, version: info.version };
  }

  /** An open connection went away (process exit, HTTP failure). */
  lost(reason: string): void {
    this.connections = Math.max(0, this.connections - 1);
    this.set('down', reason);
  }

  /** A call succeeded after failures. */
  recovered(): void {
    this.set('up', null);
  }

  /** A connection attempt (or a call) failed. */
  failed(reason: string): void {
    this.set('down', reason);
  }

  /** A session closed its connection (not a failure). */
  sessionClosed(): void {
    this.connections = Math.max(0, this.connections - 1);
  }

  sawTools(tools: readonly unknown[]): void {
    this.tools = tools.slice(0, MAX_TOOLS).map((t) => {
      const o = t as { name?: unknown; description?: unknown };
      const d = typeof o.description === 'string' ? o.description.slice(0, 200) : undefined;
      return { name: String(o.name), ...(d !== undefined ? { description: d } : {}) };
    });
    this.toolsAt = Date.now();
  }

  private set(h: TargetHealth, error: string | null): void {
    if (h !== this.health) this.changedAt = Date.now();
    this.health = h;
    if (error !== null) this.lastError = error;
  }
}

export class TargetRegistry {
  private readonly byName = new Map<string, TargetStatus>();

  constructor(private readonly targets: readonly McpTargetRt[]) {
    for (const t of targets) this.byName.set(t.name, new TargetStatus());
  }

  of(name: string): TargetStatus {
    return this.byName.get(name)!;
  }

  describe(): Record<string, unknown>[] {
    return this.targets.map((t) => {
      const s = this.of(t.name);
      return {
        ...describeTarget(t),
        health: s.health,
        lastError: s.lastError,
        changedAt: s.changedAt,
        connections: s.connections,
        server: s.server,
        tools: s.tools,
        toolsAt: s.toolsAt,
      };
    });
  }
}
