// Admin server settings, read once at startup (they are `config:` settings): address, token,
// read-only mode. The environment wins over the file, as in agentgateway.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { ConfigT } from '../config/schema/root.js';
import { managementAddress, type ManagementAddress } from './listen.js';

export const DEFAULT_ADMIN_ADDR = 'localhost:15000';
export const DEFAULT_READINESS_ADDR = '[::]:15021';

export interface AdminSettings {
  /** null: the admin server is off. */
  addr: ManagementAddress | null;
  /** Bearer token every API call must carry; null when none is configured. */
  token: string | null;
  /** The UI and API may not rewrite the config file. */
  readOnly: boolean;
  /** The address only accepts connections from this machine. */
  loopback: boolean;
}

export function adminSettings(config: ConfigT, configFile: string, env: NodeJS.ProcessEnv = process.env): AdminSettings {
  const c = config.config ?? {};
  const addr = managementAddress('ADMIN_ADDR', c.adminAddr, DEFAULT_ADMIN_ADDR);
  return {
    addr,
    token: adminToken(c.adminToken, configFile, env),
    readOnly: truthy(env.UI_READ_ONLY) || c.storage?.mode === 'readOnly',
    loopback: addr !== null && isLoopback(addr.host),
  };
}

function adminToken(configured: string | { file: string } | undefined, configFile: string, env: NodeJS.ProcessEnv): string | null {
  if (env.ADMIN_TOKEN) return env.ADMIN_TOKEN;
  if (configured === undefined) return null;
  const token = typeof configured === 'string' ? configured : readFileSync(resolve(dirname(configFile), configured.file), 'utf8').trim();
  return token === '' ? null : token;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
}

/** `localhost`, 127.0.0.0/8 and ::1 (and their IPv4-mapped forms) only reach this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}
