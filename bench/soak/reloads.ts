// Hot reloads under traffic. Every `everyMs` the harness makes one edit, alternating a valid
// one (saved the way editors do, or posted to the admin API) with a bad one (rotating through
// BAD_EDITS). Each is checked through the admin API and with a probe request:
// - a valid edit must be applied: the config version goes up, and the next request is
//   answered with the new generation's `x-soak-config` header;
// - a bad edit must be refused: the version stays, the config is reported out of sync (file
//   saves) or the API answers 400 (posts), and the probe is still answered, by the previous
//   generation. Meanwhile the load keeps running: a refused edit that drops a request shows
//   up as lost in the load's own counts.
import { writeFileSync } from 'node:fs';
import { type AdminClient, replaceByRename } from '../../test/helpers/admin-client.js';
import type { Result } from './client.js';
import { BAD_EDITS, badConfig, gatewayConfig, type BadEdit, type SoakPorts } from './config.js';

export type EditKind = 'valid-file' | 'valid-api' | BadEdit;

export interface ReloadRecord {
  /** Seconds since the load started. */
  at: number;
  edit: EditKind;
  generation: number;
  ok: boolean;
  detail: string;
}

const WAIT_MS = 10_000;

export class Reloader {
  private generation = 1;
  private step = 0;
  readonly records: ReloadRecord[] = [];

  constructor(
    private readonly file: string,
    private readonly admin: AdminClient,
    private readonly ports: SoakPorts,
    /** Sends one fault-free request and returns its result (generation included). */
    private readonly probe: () => Promise<Result>,
    private readonly t0: number,
    private readonly badEdits: readonly BadEdit[] = BAD_EDITS,
  ) {}

  /** One edit and its checks. */
  async next(): Promise<void> {
    const i = this.step++;
    const at = (performance.now() - this.t0) / 1000;
    let edit: EditKind;
    let check: Promise<string | null>;
    if (i % 2 === 0) {
      edit = (i / 2) % 2 === 0 ? 'valid-file' : 'valid-api';
      check = this.valid(edit);
    } else {
      edit = this.badEdits[((i - 1) / 2) % this.badEdits.length]!;
      check = this.bad(edit);
    }
    let problem: string | null;
    try {
      problem = await check;
    } catch (e) {
      problem = (e as Error).message;
    }
    this.records.push({ at, edit, generation: this.generation, ok: problem === null, detail: problem ?? 'as expected' });
  }

  private async valid(edit: 'valid-file' | 'valid-api'): Promise<string | null> {
    const before = await this.admin.runtime();
    const gen = ++this.generation;
    const text = gatewayConfig(this.ports, gen);
    if (edit === 'valid-file') replaceByRename(this.file, text);
    else {
      const r = await this.admin.request('/api/config', { method: 'POST', body: text });
      if (r.status !== 200) return `the admin API refused a valid config: ${r.status} ${await r.text()}`;
    }
    const rt = await this.waitFor((x) => x.version > before.version);
    if (rt === null) return `version stayed ${before.version}`;
    return this.probeGeneration(gen);
  }

  private async bad(edit: BadEdit): Promise<string | null> {
    const before = await this.admin.runtime();
    const text = badConfig(edit, gatewayConfig(this.ports, this.generation));
    if (edit === 'api-invalid') {
      const r = await this.admin.request('/api/config', { method: 'POST', body: text });
      if (r.status !== 400) return `the admin API answered ${r.status} to an invalid config (expected 400): ${await r.text()}`;
    } else {
      writeFileSync(this.file, text); // in place, truncate then write, as a plain editor or a ConfigMap sync does
      const rt = await this.waitFor((x) => x.reloads.failures > before.reloads.failures || x.version !== before.version);
      if (rt === null) return 'no reload attempt was reported for the bad file';
      if (rt.version !== before.version) return `the bad file was applied (version ${before.version} -> ${rt.version})`;
      if (rt.synchronized !== false) return 'the refused file is not reported as out of sync';
    }
    const after = await this.admin.runtime();
    if (after.version !== before.version) return `version changed ${before.version} -> ${after.version}`;
    return this.probeGeneration(this.generation);
  }

  private async probeGeneration(gen: number): Promise<string | null> {
    const r = await this.probe();
    if (r.outcome !== 'ok') return `probe request ${r.outcome}: ${r.detail ?? ''}`;
    if (r.generation !== String(gen)) return `probe answered by generation ${r.generation ?? '(none)'}, expected ${gen}`;
    return null;
  }

  /** Polls the runtime view until `cond` holds; null after WAIT_MS. */
  private async waitFor(cond: (rt: any) => boolean): Promise<any | null> {
    const deadline = performance.now() + WAIT_MS;
    while (performance.now() < deadline) {
      const rt = await this.admin.runtime();
      if (cond(rt)) return rt;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  }
}
