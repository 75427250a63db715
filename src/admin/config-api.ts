// Reading and writing the config through the admin API. What is written went through the
// same parse, env substitution, validation and compile as a file save, and a rejected config
// comes back with the same positioned problems (file:line:col, YAML path) the log shows.
import { readFileSync } from 'node:fs';
import type { ConfigProblem } from '../config/errors.js';
import { formatProblem } from '../config/errors.js';
import { log } from '../observability/log.js';
import { restoreBackup, writeConfigFile } from './config-file.js';
import { HttpError } from './http.js';
import { maskSecrets, unmaskSecrets } from './secret-mask.js';
import type { AdminGateway } from './types.js';

export interface ApiResult {
  status: number;
  body: Record<string, unknown>;
}

/** The file as written, inline secrets masked (GET /api/config). */
export function readConfig(gw: AdminGateway, readOnly: boolean): ApiResult {
  return {
    status: 200,
    body: {
      file: gw.file,
      writable: gw.fromFile && !readOnly,
      readOnly,
      version: gw.snapshot.version,
      yaml: maskSecrets(currentText(gw)),
    },
  };
}

/** POST /api/config/validate: would this text load? */
export async function validateConfig(gw: AdminGateway, text: string): Promise<ApiResult> {
  const c = await check(gw, text);
  return c.ok ? { status: 200, body: { ok: true, warnings: c.warnings } } : c.rejected;
}

type Checked = { ok: true; text: string; warnings: string[] } | { ok: false; rejected: ApiResult };

/** Secrets put back where the editor shows markers, then parsed and compiled as a file save would be. */
async function check(gw: AdminGateway, text: string): Promise<Checked> {
  const unmasked = unmaskSecrets(text, currentText(gw));
  if (!unmasked.ok) return { ok: false, rejected: rejected(gw, unmasked.problems) };
  const v = await gw.validate(unmasked.text);
  if (!v.ok) return { ok: false, rejected: rejected(gw, v.problems ?? [], v.error) };
  return { ok: true, text: unmasked.text, warnings: v.warnings };
}

/**
 * POST /api/config: validate, write the file (keeping `<file>.bak`), reload. If the reload
 * still fails (a new port that cannot be bound), the previous file is put back so what is on
 * disk is what serves.
 */
export async function applyConfig(gw: AdminGateway, text: string, readOnly: boolean): Promise<ApiResult> {
  if (readOnly) throw new HttpError(403, 'the admin API is read-only (config.storage.mode: readOnly or UI_READ_ONLY)');
  if (!gw.fromFile) throw new HttpError(409, 'the config was given inline (-c); there is no file to write');
  const checked = await check(gw, text);
  if (!checked.ok) return checked.rejected;
  const backup = writeConfigFile(gw.file, checked.text);
  log.info(`config file rewritten through the admin API (previous version kept as ${backup})`);
  const result = await gw.reload('api');
  if (result === null)
    return { status: 200, body: { ok: true, unchanged: true, version: gw.snapshot.version, warnings: checked.warnings } };
  if (!result.ok) {
    restoreBackup(gw.file, backup);
    return { status: 409, body: { ok: false, error: result.error, problems: result.problems ?? [], restored: true } };
  }
  return { status: 200, body: { ok: true, version: result.version, warnings: result.warnings, backup } };
}

function rejected(gw: AdminGateway, problems: ConfigProblem[], error?: string): ApiResult {
  return {
    status: 400,
    body: { ok: false, error: error ?? problems.map((p) => formatProblem(gw.file, p)).join('\n'), problems },
  };
}

function currentText(gw: AdminGateway): string {
  if (!gw.fromFile) return gw.config.source;
  try {
    return readFileSync(gw.file, 'utf8');
  } catch {
    return gw.config.source;
  }
}
