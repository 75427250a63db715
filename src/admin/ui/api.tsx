// The admin API as the UI sees it: response shapes and one fetch helper that adds the admin
// token when one was entered.

// Shapes come from the server modules (type-only imports, erased by the bundler), so the UI
// and the API cannot drift apart.
import type { ConfigProblem } from '../../config/errors.js';
import type { RecentRequest } from '../../observability/recent-requests.js';
import type { KeyView as SeriesKeyView, SeriesResponse } from '../../observability/series.js';
import type { ReloadResult } from '../../runtime/reload-status.js';
import type { BackendView, BindView, PromptCacheView, ProviderView, RouteView, RuntimeView } from '../runtime-view.js';

export type { SeriesKeyView, SeriesResponse };
export type { BackendView, BindView, PromptCacheView, ProviderView, RecentRequest, ReloadResult, RouteView };
export type Problem = ConfigProblem;
export type Runtime = RuntimeView;

export interface ConfigFile {
  file: string;
  writable: boolean;
  readOnly: boolean;
  version: number;
  yaml: string;
}

export interface ApplyResult {
  ok: boolean;
  version?: number;
  unchanged?: boolean;
  warnings?: string[];
  error?: string;
  problems?: Problem[];
}

const TOKEN_KEY = 'agentgateway-admin-token';

export class Unauthorized extends Error {}

export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** Calls the admin API; 4xx answers that carry a JSON body (validation problems) are returned, not thrown. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  const token = savedToken();
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(path, { ...init, headers });
  if (res.status === 401) throw new Unauthorized('admin token required');
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('application/json')) throw new Error(`${res.status} ${await res.text()}`);
  const body = (await res.json()) as T;
  if (res.status >= 500) throw new Error((body as { error?: string }).error ?? `HTTP ${res.status}`);
  return body;
}

export function postText<T>(path: string, text: string): Promise<T> {
  return api<T>(path, { method: 'POST', body: text, headers: { 'content-type': 'application/yaml' } });
}

/** A match as one line: `POST /v1 (prefix) host=...`. */
export function describeMatch(m: Record<string, unknown>): string {
  const parts: string[] = [];
  const p = m.path as { exact?: string; pathPrefix?: string; regex?: string } | undefined;
  if (p?.exact !== undefined) parts.push(`= ${p.exact}`);
  else if (p?.regex !== undefined) parts.push(`~ ${p.regex}`);
  else parts.push(`${p?.pathPrefix ?? '/'}*`);
  if (typeof m.method === 'string') parts.unshift(m.method);
  for (const h of (m.headers as { name: string }[] | undefined) ?? []) parts.push(`header ${h.name}`);
  for (const q of (m.query as { name: string }[] | undefined) ?? []) parts.push(`?${q.name}`);
  return parts.join(' ');
}

export function allRoutes(rt: Runtime): { bind: BindView; listener: string; route: RouteView }[] {
  return rt.binds.flatMap((bind) => bind.listeners.flatMap((l) => l.routes.map((route) => ({ bind, listener: l.name, route }))));
}
