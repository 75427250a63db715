// Whether the serving config matches the file on disk, and what the last reload did. The
// admin API and UI show it; metrics turn it into a gauge (agentgateway's `config_synchronized`)
// with a listener:
//
//   reloadStatus.subscribe((s) => synchronized.set(s.synchronized ? 1 : 0));
//
// `subscribe` calls the listener at once with the current state, then after every reload
// attempt (success or failure; a change event that left the files as they were is not an
// attempt), so a gauge never starts out wrong.
import type { ConfigDiff } from '../config/diff.js';
import type { ConfigProblem } from '../config/errors.js';

export type ReloadTrigger = 'startup' | 'file' | 'api';

export interface ReloadResult {
  ok: boolean;
  trigger: ReloadTrigger;
  /** When the attempt finished (ISO 8601). */
  at: string;
  file: string;
  /** Snapshot version serving after the attempt (unchanged on failure). */
  version: number;
  durationMs: number;
  /** One line per problem, `file:line:col: path: message` (failure only). */
  error?: string;
  problems?: ConfigProblem[];
  warnings: string[];
  /** A reload that applied: routes, backends and policies added, removed and changed (names only). */
  diff?: ConfigDiff;
}

/** Reload attempts the history keeps (GET /api/reloads, the UI's Reloads page). */
export const RELOAD_HISTORY = 20;

export interface ReloadState {
  /** False from a failed reload until the next good one: the file on disk is not what serves. */
  synchronized: boolean;
  last: ReloadResult | null;
  successes: number;
  failures: number;
}

export type ReloadListener = (state: Readonly<ReloadState>) => void;

export class ReloadStatus {
  private state: ReloadState = { synchronized: true, last: null, successes: 0, failures: 0 };
  private readonly listeners = new Set<ReloadListener>();
  private readonly past: ReloadResult[] = [];

  get current(): Readonly<ReloadState> {
    return this.state;
  }

  /** The last RELOAD_HISTORY attempts, newest first. */
  get history(): readonly ReloadResult[] {
    return this.past;
  }

  record(result: ReloadResult): void {
    this.past.unshift(result);
    if (this.past.length > RELOAD_HISTORY) this.past.pop();
    this.state = {
      synchronized: result.ok,
      last: result,
      successes: this.state.successes + (result.ok ? 1 : 0),
      failures: this.state.failures + (result.ok ? 0 : 1),
    };
    for (const l of this.listeners) {
      try {
        l(this.state);
      } catch {
        // a broken listener must not break reloads
      }
    }
  }

  /** Calls `listener` now and after every reload attempt; returns the unsubscribe function. */
  subscribe(listener: ReloadListener): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }
}

/** The process-wide status the gateway reports into. */
export const reloadStatus = new ReloadStatus();
