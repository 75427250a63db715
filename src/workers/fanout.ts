// What the main thread's gateway needs of its worker threads (src/workers/pool.ts implements it).
import type { Observability } from '../observability/index.js';

/**
 * The worker threads as the main thread's gateway drives them: they compile every config the
 * main thread compiled, and a reload swaps in all of them or in none (prepare, then commit).
 */
export interface WorkerFanout {
  /** Starts the workers on `source`; resolves once every one serves it. */
  start(source: string): Promise<void>;
  /** Every worker compiles `source` and opens its new ports; rejects (all aborted) if one fails. */
  prepare(source: string): Promise<void>;
  /** Every worker swaps in what it prepared. */
  commit(): void;
  abort(): void;
  /** What readiness still waits for (workers starting or restarting). */
  pending(): string[];
  /** The main thread's observability: the workers' metrics are summed into it, their recent requests added. */
  observe(obs: Observability): void;
  /** Drains every worker (bounded by `graceMs`) and stops them. */
  shutdown(graceMs: number): Promise<void>;
}
