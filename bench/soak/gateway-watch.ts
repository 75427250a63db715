// What the soak reads about the gateway from outside: RSS once a second and CPU time from
// /proc, heap from its own Prometheus metrics, requests in flight from its admin API, error
// lines from its log, and whether it is still alive.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpuSeconds, rssMb as hwmMb } from '../load/proc.js';
import type { AdminClient } from '../../test/helpers/admin-client.js';
import { rssNowMb } from './memory.js';

export type Phase = 'idle' | 'load' | 'settle';

export interface PhasedSample {
  /** Seconds since the load started (negative while idle). */
  t: number;
  rssMb: number;
  phase: Phase;
}

export class GatewayWatch {
  readonly samples: PhasedSample[] = [];
  exit: string | null = null;
  private phase: Phase = 'idle';
  private zero = performance.now();
  private readonly sampler: NodeJS.Timeout;
  readonly pid: number;

  constructor(
    gw: ChildProcess,
    private readonly statsPort: number,
  ) {
    this.pid = gw.pid!;
    gw.once('exit', (code, signal) => (this.exit = `exited (${signal ?? code})`));
    this.sampler = setInterval(() => {
      try {
        this.samples.push({ t: (performance.now() - this.zero) / 1000, rssMb: rssNowMb(this.pid), phase: this.phase });
      } catch {
        // the gateway is gone (its exit is recorded and fails the run)
      }
    }, 1000);
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** Enters a phase; the load's start is time zero. */
  enter(phase: Phase): void {
    if (phase === 'load') this.zero = performance.now();
    this.phase = phase;
  }

  stop(): void {
    clearInterval(this.sampler);
  }

  of(phase: Phase): PhasedSample[] {
    return this.samples.filter((s) => s.phase === phase);
  }

  cpu(): number {
    return this.alive ? cpuSeconds(this.pid) : NaN;
  }

  rss(): number {
    return this.alive ? rssNowMb(this.pid) : NaN;
  }

  /** The kernel's high-water mark (VmHWM): peaks between two samples too. */
  hwm(): number {
    return this.alive ? hwmMb(this.pid) : NaN;
  }

  /** Heap used as the gateway's own metrics report it (a diagnostic beside RSS). */
  async heapUsedMb(): Promise<number> {
    try {
      const text = await (await fetch(`http://127.0.0.1:${this.statsPort}/metrics`)).text();
      const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([0-9.e+]+)/m.exec(text);
      return m ? Number(m[1]) / 2 ** 20 : NaN;
    } catch {
      return NaN;
    }
  }

  /** Requests the gateway counts in flight on all its ports (-1: it cannot say). */
  async inflight(admin: AdminClient): Promise<number> {
    const rt = this.alive ? await admin.runtime().catch(() => null) : null;
    return rt === null ? -1 : (rt.binds as { inflight: number }[]).reduce((a, b) => a + b.inflight, 0);
  }
}

/** Error-level lines of the gateway log, refused reloads (expected) left out. */
export function errorLines(logFile: string): string[] {
  const out: string[] = [];
  for (const l of readFileSync(logFile, 'utf8').split('\n')) {
    // pino-pretty's `[time] ERROR:`, the text access log's `\terror\t`, or JSON levels 50/60
    if (!/^\[[^\]]*\] (ERROR|FATAL)|\t(error|fatal)\t|"level":(50|60)/.test(l)) continue;
    if (l.includes('config reload failed')) continue;
    out.push(l.slice(0, 300));
    if (out.length >= 20) break;
  }
  return out;
}
