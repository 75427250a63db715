// The admin API of virtual keys and teams (the keys: section):
//   GET  /api/keys                    keys and teams with spend and budgets
//   POST /api/keys                    create; the answer holds the secret, shown this once
//   GET  /api/keys/<id>               one key
//   PATCH /api/keys/<id>              change budgets, allowed models, limits, metadata, team, ...
//   POST /api/keys/<id>/rotate        a new secret (the old one stops at once), shown this once
//   POST /api/keys/<id>/revoke        the key stops working on the next request
//   GET  /api/teams, PUT /api/teams/<name>   teams: shared budgets, limits, allowed models
// Changes are durable (fsync'd, or in Redis) before the answer. Keys and teams declared in the
// config file are read-only here (409): the file is their source of truth.
import { z } from 'zod';
import { Budget, governed, KeyRateLimit, VirtualKeyName } from '../config/schema/keys.js';
import { ModelPattern } from '../config/schema/model-pattern.js';
import { createKey, revokeKey, rotateKey, teamRecord, updateKey, type KeyFields } from '../keys/records.js';
import { StoreUnavailable } from '../keys/store.js';
import { keyScope, type KeyRecord } from '../keys/types.js';
import { log } from '../observability/log.js';
import type { VirtualKeys } from '../policies/virtual-keys.js';
import type { ApiResult } from './config-api.js';
import { HttpError, readBody } from './http.js';
import { keysView, keyView } from './keys-view.js';
import type { AdminGateway } from './types.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT';
type Handler = (body: () => Promise<unknown>) => Promise<ApiResult>;

const nullable = <T extends z.ZodType>(t: T) => t.nullable().optional();

const KeyChange = z.strictObject({
  name: VirtualKeyName.optional(),
  team: nullable(VirtualKeyName),
  user: nullable(z.string().min(1)),
  app: nullable(z.string().min(1)),
  metadata: governed.metadata,
  allowedModels: nullable(z.array(ModelPattern)),
  rateLimits: z.array(KeyRateLimit).optional(),
  budgets: z.array(Budget).optional(),
  maxCostPerRequest: nullable(z.number().positive()),
  expiresAt: nullable(z.iso.datetime({ offset: true })),
});

const TeamChange = KeyChange.omit({ name: true, team: true, user: true, app: true, expiresAt: true });

/** The handlers for a path under /api/keys or /api/teams, or undefined when it is neither. */
export function keysRoute(gw: AdminGateway, readOnly: boolean, path: string): Partial<Record<Method, Handler>> | undefined {
  const m = /^\/api\/(keys|teams)(?:\/([^/]+))?(?:\/(rotate|revoke))?$/.exec(path);
  if (m === null) return undefined;
  const [, what, rawId, action] = m;
  const id = rawId === undefined ? undefined : decodeURIComponent(rawId);
  const vk = () => {
    const keys = gw.snapshot.keys;
    if (keys === null) throw new HttpError(404, 'this gateway has no keys: section (virtual keys are off)');
    return keys;
  };
  const write = (h: (vk: VirtualKeys, body: () => Promise<unknown>) => Promise<ApiResult>): Handler => {
    return (body) => {
      if (readOnly) throw new HttpError(403, 'the admin API is read-only (UI_READ_ONLY or config.storage.mode: readOnly)');
      return guarded(h(vk(), body));
    };
  };
  if (what === 'teams') {
    if (id === undefined) return { GET: async () => ok({ teams: (await keysView(vk())).teams }) };
    if (action !== undefined) return undefined;
    return { PUT: write((v, body) => putTeam(v, id, body)) };
  }
  if (id === undefined) return { GET: async () => guarded(keysView(vk()).then(ok)), POST: write((v, body) => create(v, body)) };
  if (action === 'rotate') return { POST: write((v) => rotate(v, id)) };
  if (action === 'revoke') return { POST: write((v) => revoke(v, id)) };
  return { GET: async () => guarded(one(vk(), id)), PATCH: write((v, body) => patch(v, id, body)) };
}

/** Reads a JSON body for the handlers. */
export async function jsonBody(req: import('node:http').IncomingMessage): Promise<unknown> {
  const text = await readBody(req, 64 * 1024);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

function ok(body: object, status = 200): ApiResult {
  return { status, body: body as Record<string, unknown> };
}

async function guarded(p: Promise<ApiResult>): Promise<ApiResult> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof StoreUnavailable) throw new HttpError(503, e.message);
    throw e;
  }
}

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new HttpError(400, `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
}

async function stored(vk: VirtualKeys, id: string): Promise<KeyRecord> {
  if (vk.declaredById.has(id)) throw new HttpError(409, `key "${id}" is declared in the config file; change it there`);
  const k = await vk.store.getKey(id);
  if (k === undefined) throw new HttpError(404, `no key "${id}"`);
  return k;
}

async function view(vk: VirtualKeys, k: KeyRecord) {
  return keyView(k, (await vk.store.scopeState([keyScope(k.id)])).get(keyScope(k.id)));
}

async function one(vk: VirtualKeys, id: string): Promise<ApiResult> {
  const k = vk.declaredById.get(id) ?? (await vk.store.getKey(id));
  if (k === undefined) throw new HttpError(404, `no key "${id}"`);
  return ok({ key: await view(vk, k) });
}

/** Names are what metrics and logs show: two live keys may not share one. */
async function checkName(vk: VirtualKeys, name: string | undefined, self: string | null): Promise<void> {
  if (name === undefined) return;
  const all = [...vk.declaredById.values(), ...(await vk.store.listKeys())];
  const other = all.find((k) => k.name === name && k.id !== self && k.revokedAt === undefined);
  if (other !== undefined) throw new HttpError(409, `a key named "${name}" exists already (${other.id})`);
}

async function create(vk: VirtualKeys, body: () => Promise<unknown>): Promise<ApiResult> {
  const fields = parse(KeyChange, await body()) as KeyFields;
  await checkName(vk, fields.name, null);
  const { record, secret } = createKey(fields, { source: 'api' });
  await vk.store.putKey(record);
  log.info({ key: record.id, name: record.name, team: record.team }, 'virtual key created through the admin API');
  return ok({ key: await view(vk, record), secret, note: 'the secret is shown this once; the gateway keeps only its SHA-256' }, 201);
}

async function patch(vk: VirtualKeys, id: string, body: () => Promise<unknown>): Promise<ApiResult> {
  const fields = parse(KeyChange, await body()) as KeyFields;
  const k = await stored(vk, id);
  await checkName(vk, fields.name, id);
  const next = updateKey(k, fields);
  await vk.store.putKey(next);
  log.info({ key: id, fields: Object.keys(fields) }, 'virtual key changed through the admin API');
  return ok({ key: await view(vk, next) });
}

async function rotate(vk: VirtualKeys, id: string): Promise<ApiResult> {
  const k = await stored(vk, id);
  if (k.revokedAt !== undefined) throw new HttpError(409, `key "${id}" is revoked; create a new one`);
  const { record, secret } = rotateKey(k);
  await vk.store.putKey(record);
  log.info({ key: id }, 'virtual key rotated through the admin API (the previous secret no longer works)');
  return ok({ key: await view(vk, record), secret, note: 'the secret is shown this once; the previous one no longer works' });
}

async function revoke(vk: VirtualKeys, id: string): Promise<ApiResult> {
  const k = await stored(vk, id);
  const next = revokeKey(k);
  if (next.version !== k.version && k.revokedAt === undefined) await vk.store.putKey(next);
  log.info({ key: id }, 'virtual key revoked through the admin API');
  return ok({ key: await view(vk, k.revokedAt === undefined ? next : k) });
}

async function putTeam(vk: VirtualKeys, name: string, body: () => Promise<unknown>): Promise<ApiResult> {
  parse(VirtualKeyName, name);
  if (vk.declaredTeams.has(name)) throw new HttpError(409, `team "${name}" is declared in the config file; change it there`);
  const fields = parse(TeamChange, await body()) as KeyFields;
  const prev = (await vk.store.listTeams()).find((t) => t.name === name);
  const team = teamRecord(name, fields, prev, 'api');
  await vk.store.putTeam(team);
  log.info({ team: name }, 'team changed through the admin API');
  return ok({ team: (await keysView(vk)).teams.find((t) => t.name === name) });
}
