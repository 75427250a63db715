// What a reload compares: whether anything changed at all (config text and the files it
// references), which startup-only settings changed (they need a restart), and the positioned
// problems of a failed attempt in the shape the admin API and the reload status report.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigProblem } from '../config/errors.js';
import type { ConfigT } from '../config/schema/root.js';

/** Hash of the config text and the current contents of the files it references. */
export function fingerprint(source: string, files: readonly string[]): string {
  const h = createHash('sha256').update(source);
  for (const f of [...files].sort()) {
    h.update(`\0${f}\0`);
    try {
      h.update(readFileSync(f));
    } catch (e) {
      h.update(`<${(e as NodeJS.ErrnoException).code ?? 'unreadable'}>`);
    }
  }
  return h.digest('hex');
}

/**
 * One warning per `config:` setting that differs: they are read once at startup (addresses
 * of the admin, stats and readiness listeners, logging, the admin token, storage mode).
 */
export function startupChanges(before: ConfigT, after: ConfigT): string[] {
  const a = (before.config ?? {}) as Record<string, unknown>;
  const b = (after.config ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `config.${k} changed: startup settings take effect after a restart (the running gateway keeps the old value)`)
    .concat(edgeChanges(before, after));
}

/** Edge settings a reload cannot fully apply: the address of a port already listening, uWS's head limit. */
function edgeChanges(before: ConfigT, after: ConfigT): string[] {
  const out: string[] = [];
  const was = new Map((before.binds ?? []).map((b) => [b.port, b.bindAddress ?? '*']));
  for (const b of after.binds ?? []) {
    const old = was.get(b.port);
    if (old !== undefined && old !== (b.bindAddress ?? '*')) {
      out.push(
        `binds (port ${b.port}).bindAddress changed: takes effect after a restart (the port keeps listening on ${old === '*' ? 'every interface' : old})`,
      );
    }
  }
  const head = (c: ConfigT) => c.frontendPolicies?.http?.http1MaxHeaderSize;
  if (head(before) !== head(after)) {
    out.push(
      'frontendPolicies.http.http1MaxHeaderSize changed: applies to the first request of new connections now; later requests on connections uWS serves keep the startup limit until a restart',
    );
  }
  return out;
}

export interface ValidationResult {
  ok: boolean;
  /** One line per problem, `file:line:col: path: message`. */
  error?: string;
  problems?: ConfigProblem[];
  warnings: string[];
}

/** A failed attempt as text (one `file:line:col: path: message` per line) and positioned problems. */
export function problemsOf(e: unknown, file: string): { error: string; problems: ConfigProblem[] } {
  if (e instanceof ConfigError) return { error: e.message, problems: e.problems };
  const message = e instanceof Error ? e.message : String(e);
  return { error: `${file}: ${message}`, problems: [{ path: '', line: 0, col: 0, message }] };
}
