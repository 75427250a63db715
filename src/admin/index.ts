// Starting the management listeners. Each one is optional: off by config, or a taken port
// (another gateway on this host) is a warning and the data plane serves on regardless.
import type { Server } from 'node:http';
import type { ConfigT } from '../config/schema/root.js';
import { log } from '../observability/log.js';
import { listenManagement, managementAddress } from './listen.js';
import { readinessHandler } from './readiness.js';
import { adminHandler } from './server.js';
import { adminSettings, DEFAULT_READINESS_ADDR } from './settings.js';
import { loadUi } from './static-ui.js';
import type { AdminGateway } from './types.js';

export async function startReadiness(gw: Pick<AdminGateway, 'pending'>, config: ConfigT): Promise<Server | null> {
  const addr = managementAddress('READINESS_ADDR', config.config?.readinessAddr, DEFAULT_READINESS_ADDR);
  if (addr === null) return null;
  return listenManagement(
    'readiness',
    addr,
    readinessHandler(() => gw.pending()),
  );
}

export async function startAdmin(gw: AdminGateway, config: ConfigT): Promise<Server | null> {
  let settings;
  try {
    settings = adminSettings(config, gw.file);
  } catch (e) {
    log.error(`admin server disabled: ${(e as Error).message}`);
    return null;
  }
  const { addr } = settings;
  if (addr === null) return null;
  if (!settings.loopback && settings.token === null) {
    log.error(
      `admin server disabled: ${addr.host}:${addr.port} is reachable from other machines and no admin token is set ` +
        '(set ADMIN_TOKEN or config.adminToken, or bind the admin to localhost); the data plane keeps serving',
    );
    return null;
  }
  const ui = loadUi();
  if (ui.size === 0) log.warn('admin UI files not found (run `npm run build:ui`); the admin API is served without the UI');
  const server = await listenManagement('admin', addr, adminHandler(gw, settings, ui));
  if (server !== null) {
    gw.observability.recent.enabled = true;
    gw.observability.series.enabled = true;
    const mode = [settings.readOnly ? 'read-only' : 'read-write', settings.token !== null ? 'token required' : 'no token'].join(', ');
    log.info(`admin API and UI on http://${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${addr.port}/ui (${mode})`);
  }
  return server;
}
