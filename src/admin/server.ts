// The admin server (default localhost:15000): agentgateway's admin paths (/config_dump,
// /logging), the UI's API (/api/config, /api/config/validate, /api/runtime, /api/requests, /api/reloads,
// /api/keys, /api/teams) and the UI itself at /ui.
//
// Guards, in order: a loopback-bound admin answers only to loopback Host names (a web page
// cannot reach it through DNS rebinding); a request from a browser page of another origin
// may not change anything; with a token configured every API call needs `Authorization:
// Bearer <token>`. The UI's static files need no token (they hold nothing), the API does.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { log } from '../observability/log.js';
import type { RecentRequests } from '../observability/recent-requests.js';
import { DIMENSIONS, WINDOWS, type Dimension, type WindowName } from '../observability/series.js';
import { RELOAD_HISTORY } from '../runtime/reload-status.js';
import { redact } from './redact.js';
import { parseRequestFilter, requestPage } from './request-filter.js';
import { applyConfig, readConfig, validateConfig, type ApiResult } from './config-api.js';
import { HttpError, readBody, sendBytes, sendJson, tokenMatches } from './http.js';
import { jsonBody, keysRoute } from './keys-api.js';
import { runtimeView } from './runtime-view.js';
import type { AdminSettings } from './settings.js';
import { isLoopback } from './settings.js';
import { UI_CSP, type UiFile } from './static-ui.js';
import type { AdminGateway } from './types.js';

type Handler = (req: IncomingMessage, url: URL) => Promise<ApiResult | void> | ApiResult | void;

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];

export function adminHandler(gw: AdminGateway, settings: AdminSettings, ui: Map<string, UiFile>): RequestListener {
  const startupLevel = log.level;
  const routes: Record<string, Partial<Record<string, Handler>>> = {
    '/config_dump': { GET: async () => ok(await configDump(gw, settings)) },
    '/logging': { GET: () => ok({ level: log.level, startupLevel }), POST: (_req, url) => logging(gw, url, startupLevel) },
    '/api/config': {
      GET: () => readConfig(gw, settings.readOnly),
      POST: async (req) => applyConfig(gw, await readBody(req), settings.readOnly),
    },
    '/api/config/validate': { POST: async (req) => validateConfig(gw, await readBody(req)) },
    '/api/runtime': { GET: async () => ok(runtimeView(gw, settings.readOnly, (await gw.workers?.runtime()) ?? [])) },
    '/api/workers': {
      // threads: how many serve the data plane; oneThread: why only the main thread does.
      GET: () => {
        const workers = gw.workers?.describe() ?? [];
        return ok({ threads: Math.max(1, workers.length), oneThread: gw.workers === null ? gw.oneThread : null, workers });
      },
      // Operators stop a stuck worker; tests stand in a crash with it. The gateway restarts it.
      POST: (_req, url) => terminateWorker(gw, url, settings.readOnly),
    },
    '/api/series': { GET: async (_req, url) => ok(await seriesQuery(gw, url)) },
    // The last reload attempts, newest first: trigger, result, diff summary, problems with their lines.
    '/api/reloads': { GET: () => ok({ reloads: gw.reloadStatus.history, capacity: RELOAD_HISTORY }) },
    '/api/requests': {
      GET: (_req, url) =>
        ok(
          requestPage(
            gw.observability.recent.since(0),
            gw.observability.recent.lastSeq,
            Number(url.searchParams.get('since') ?? 0) || 0,
            parseRequestFilter(url.searchParams),
          ),
        ),
    },
  };
  /** /api/requests/<seq>: one recent request; /api/keys/<id>/... and /api/teams/<name>: the virtual keys API (keys-api.ts). */
  const dynamic = (path: string): Partial<Record<string, Handler>> | undefined => {
    if (path.startsWith('/api/requests/')) return { GET: () => oneRequest(gw.observability.recent, path.slice('/api/requests/'.length)) };
    const r = keysRoute(gw, settings.readOnly, path);
    if (r === undefined) return undefined;
    return Object.fromEntries(Object.entries(r).map(([m, h]) => [m, (req: IncomingMessage) => h!(() => jsonBody(req))]));
  };
  return (req, res) => {
    void serve(req, res, routes, settings, ui, dynamic).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      if (status === 500) log.error({ err: e }, 'admin request failed');
      if (!res.headersSent) sendJson(res, status, { ok: false, error: (e as Error).message });
      else res.destroy();
    });
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  routes: Record<string, Partial<Record<string, Handler>>>,
  settings: AdminSettings,
  ui: Map<string, UiFile>,
  dynamic: (path: string) => Partial<Record<string, Handler>> | undefined,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://admin.invalid');
  const method = req.method ?? 'GET';
  if (settings.loopback && !isLoopback(hostName(req.headers.host ?? ''))) {
    throw new HttpError(403, 'this admin server only answers requests addressed to localhost');
  }
  if (url.pathname === '/' || url.pathname === '/ui' || url.pathname.startsWith('/ui/')) return serveUi(res, url.pathname, method, ui);
  const route = routes[url.pathname] ?? dynamic(url.pathname);
  if (route === undefined) throw new HttpError(404, `no admin endpoint ${url.pathname}`);
  const handler = route[method];
  if (handler === undefined) {
    res.setHeader('allow', Object.keys(route).join(', '));
    throw new HttpError(405, `${method} not allowed on ${url.pathname}`);
  }
  if (method !== 'GET' && crossOrigin(req)) throw new HttpError(403, 'cross-origin requests may not change the gateway');
  if (settings.token !== null && !tokenMatches(req.headers.authorization, settings.token)) {
    res.setHeader('www-authenticate', 'Bearer realm="agentgateway admin"');
    throw new HttpError(401, 'admin token required (Authorization: Bearer <token>)');
  }
  const result = await handler(req, url);
  if (result) sendJson(res, result.status, result.body);
}

async function terminateWorker(gw: AdminGateway, url: URL, readOnly: boolean): Promise<ApiResult> {
  if (readOnly) throw new HttpError(403, 'the admin API is read-only (UI_READ_ONLY)');
  const index = Number(url.searchParams.get('terminate'));
  if (gw.workers === null) throw new HttpError(404, 'this gateway runs no worker threads (--workers 1)');
  if (!(Number.isInteger(index) && (await gw.workers.terminate(index)))) throw new HttpError(400, 'terminate=<worker index> expected');
  return ok({ ok: true, terminated: index });
}

/** GET /api/requests/<seq>: one recent request in full (404 once it left the ring). */
function oneRequest(recent: RecentRequests, seq: string): ApiResult {
  const r = /^\d+$/.test(seq) ? recent.get(Number(seq)) : undefined;
  if (r === undefined) throw new HttpError(404, `request ${seq} is not among the recent requests (the last ${recent.capacity} are kept)`);
  return ok(r);
}

/**
 * GET /api/series?window=5m|1h|24h&by=total|route|backend|model|client: the console's chart data,
 * summed over the worker threads as /metrics is (`--workers N`).
 */
async function seriesQuery(gw: AdminGateway, url: URL) {
  const window = url.searchParams.get('window') ?? '5m';
  const by = url.searchParams.get('by') ?? 'total';
  if (!Object.hasOwn(WINDOWS, window)) throw new HttpError(400, `window must be one of ${Object.keys(WINDOWS).join(', ')}`);
  if (!(DIMENSIONS as readonly string[]).includes(by)) throw new HttpError(400, `by must be one of ${DIMENSIONS.join(', ')}`);
  const others = (await gw.workers?.series(window as WindowName, by as Dimension)) ?? [];
  return gw.observability.series.query(window as WindowName, by as Dimension, others);
}

function ok(body: unknown): ApiResult {
  return { status: 200, body: body as Record<string, unknown> };
}

function serveUi(res: ServerResponse, path: string, method: string, ui: Map<string, UiFile>): void {
  if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} not allowed on ${path}`);
  if (path === '/' || path === '/ui') {
    res.writeHead(302, { location: '/ui/' });
    res.end();
    return;
  }
  if (ui.size === 0) throw new HttpError(503, 'the admin UI was not built: run `npm run build:ui` (or `npm run build`)');
  const name = path === '/ui/' ? 'index.html' : path.slice('/ui/'.length);
  const file = ui.get(name);
  if (file === undefined) throw new HttpError(404, `no UI file ${name}`);
  sendBytes(res, file.type, file.body, { 'content-security-policy': UI_CSP });
}

/** POST /logging as agentgateway: `?level=debug` sets, `?reset` restores, no query reports. */
function logging(gw: AdminGateway, url: URL, startupLevel: string): ApiResult {
  const level = url.searchParams.get('level');
  if (url.searchParams.has('reset')) log.level = startupLevel;
  else if (level !== null) {
    if (!LEVELS.includes(level)) throw new HttpError(400, `unknown log level "${level}" (one of ${LEVELS.join(', ')})`);
    log.level = level;
    log.info(`log level set to ${level} through the admin API`);
  }
  gw.workers?.setLogLevel(log.level);
  return ok({ level: log.level, startupLevel });
}

async function configDump(gw: AdminGateway, settings: AdminSettings) {
  return {
    version: gw.snapshot.version,
    file: gw.file,
    config: redact(gw.config.config),
    runtime: runtimeView(gw, settings.readOnly, (await gw.workers?.runtime()) ?? []),
  };
}

/** A browser page of another origin (the Origin header names a different host than Host). */
function crossOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.indexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}
