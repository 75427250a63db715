// The `keys:` section as the request path sees it: virtual keys found by the SHA-256 of the
// presented secret (keys declared in the config first, then the store), each with its team, the
// scopes it is charged to (the key, and its team), its rate limits and budgets. The apiKey
// policy (api-key.ts) asks this for a key it does not know; the pipeline admits and charges
// requests with it (src/pipeline/spend.ts). The store itself is src/keys/.
import { toCelValue } from '../cel/index.js';
import type { AdmitArgs, KeyStore } from '../keys/store.js';
import { keyScope, teamScope, type ChargedScope, type KeyRecord, type TeamRecord } from '../keys/types.js';
import { modelAccess } from './api-key.js';
import type { KeyLimiter, ScopedLimits } from './key-limits.js';
import { GatewayError } from '../errors.js';
import type { ApiKeyIdentity, ModelAccess } from './types.js';

export interface VirtualKeySettings {
  /** Output tokens expected of a request that sets no max_tokens. */
  readonly typicalOutputTokens: number;
  /** Default USD cap on one request's estimate (the key's, the team's and the client's may be lower). */
  readonly maxCostPerRequest: number | undefined;
  readonly unpricedModels: 'refuse' | 'free';
}

/** A virtual key that authenticated a request: what admission and settlement need. */
export interface VirtualKeyHit {
  readonly key: KeyRecord;
  readonly team: TeamRecord | null;
  /** The key, then its team (if it names one, even one with no record: its spend is tracked). */
  readonly scopes: readonly ChargedScope[];
  readonly limits: readonly ScopedLimits[];
  /** Stored records read from a cache, for the Redis store to check they are current. */
  readonly records: AdmitArgs['records'];
  /** The lowest per-request cap of key, team and config; undefined: none. */
  readonly maxCostPerRequest: number | undefined;
  /** Some budget (hard or soft) applies: streams are metered. */
  readonly budgeted: boolean;
  /** Some hard budget applies: requests reserve an estimate. */
  readonly hardLimited: boolean;
  /** Some USD budget or cap applies: the model must have a price. */
  readonly usdLimited: boolean;
  readonly keys: VirtualKeys;
}

export type VirtualKeyIdentity = ApiKeyIdentity & { readonly virtualKey: VirtualKeyHit };

export class VirtualKeys {
  /** Identities built once per (key record, team record) pair. */
  private readonly identities = new WeakMap<KeyRecord, { team: TeamRecord | null; identity: VirtualKeyIdentity }>();

  constructor(
    readonly store: KeyStore,
    /** Keys declared in the config, by digest and by id. */
    readonly declared: ReadonlyMap<string, KeyRecord>,
    readonly declaredById: ReadonlyMap<string, KeyRecord>,
    readonly declaredTeams: ReadonlyMap<string, TeamRecord>,
    readonly settings: VirtualKeySettings,
    readonly limiter: KeyLimiter,
  ) {}

  /** The key whose secret has this digest (declared keys first), or undefined. */
  find(digest: string): VirtualKeyIdentity | undefined | Promise<VirtualKeyIdentity | undefined> {
    const declared = this.declared.get(digest);
    if (declared !== undefined) return this.withTeam(declared);
    const stored = this.store.findKey(digest);
    if (stored instanceof Promise) return stored.then((k) => (k === undefined ? undefined : this.withTeam(k)));
    return stored === undefined ? undefined : this.withTeam(stored);
  }

  /** The team of that name: declared in the config, else stored, else null. */
  team(name: string): TeamRecord | null | Promise<TeamRecord | null> {
    const declared = this.declaredTeams.get(name);
    if (declared !== undefined) return declared;
    const stored = this.store.findTeam(name);
    if (stored instanceof Promise) return stored.then((t) => t ?? null);
    return stored ?? null;
  }

  private withTeam(key: KeyRecord): VirtualKeyIdentity | Promise<VirtualKeyIdentity> {
    if (key.team === undefined) return this.identity(key, null);
    const team = this.team(key.team);
    return team instanceof Promise ? team.then((t) => this.identity(key, t)) : this.identity(key, team);
  }

  private identity(key: KeyRecord, team: TeamRecord | null): VirtualKeyIdentity {
    const cached = this.identities.get(key);
    if (cached !== undefined && cached.team === team) return cached.identity;
    const identity: VirtualKeyIdentity = {
      celMetadata: toCelValue({
        ...key.metadata,
        id: key.id,
        name: key.name,
        ...(key.team !== undefined ? { team: key.team } : {}),
        ...(key.user !== undefined ? { user: key.user } : {}),
        ...(key.app !== undefined ? { app: key.app } : {}),
      }) as Record<string, unknown>,
      allowedModels: bothAllow(key.allowedModels, team?.allowedModels ?? null),
      virtualKey: this.hit(key, team),
    };
    this.identities.set(key, { team, identity });
    return identity;
  }

  private hit(key: KeyRecord, team: TeamRecord | null): VirtualKeyHit {
    const scopes: ChargedScope[] = [{ scope: keyScope(key.id), budgets: key.budgets }];
    const limits: ScopedLimits[] = [{ scope: keyScope(key.id), limits: key.rateLimits }];
    if (key.team !== undefined) {
      scopes.push({ scope: teamScope(key.team), budgets: team?.budgets ?? [] });
      limits.push({ scope: teamScope(key.team), limits: team?.rateLimits ?? [] });
    }
    const records: { kind: 'key' | 'team'; id: string; version: number }[] = [];
    if (key.source !== 'config') records.push({ kind: 'key', id: key.id, version: key.version });
    if (team !== null && team.source !== 'config') records.push({ kind: 'team', id: team.name, version: team.version });
    const caps = [key.maxCostPerRequest, team?.maxCostPerRequest, this.settings.maxCostPerRequest].filter((c) => c !== undefined);
    const budgets = scopes.flatMap((s) => s.budgets);
    const maxCostPerRequest = caps.length > 0 ? Math.min(...caps) : undefined;
    return {
      key,
      team,
      scopes,
      limits,
      records,
      maxCostPerRequest,
      budgeted: budgets.length > 0,
      hardLimited: budgets.some((b) => b.limit !== undefined),
      usdLimited: maxCostPerRequest !== undefined || budgets.some((b) => b.unit === 'usd'),
      keys: this,
    };
  }
}

/** Why a key may not be used now (revoked, expired), or null. */
export function keyRefusal(key: KeyRecord, nowMs: number): GatewayError | null {
  if (key.revokedAt !== undefined) return unauthorized(`key "${key.name}" was revoked`);
  if (key.expiresAt !== undefined && Date.parse(key.expiresAt) <= nowMs)
    return unauthorized(`key "${key.name}" expired at ${key.expiresAt}`);
  return null;
}

/** The challenge a refused API key is answered with. */
export const CHALLENGE: readonly (readonly [string, string])[] = [['www-authenticate', 'Bearer realm="agentgateway"']];

function unauthorized(why: string): GatewayError {
  return new GatewayError('api_key_invalid', `API key authentication failed: ${why}`, { headers: CHALLENGE });
}

/** A key's allowed models and its team's: a model must pass both lists that are set. */
function bothAllow(key: readonly string[] | null, team: readonly string[] | null): ModelAccess | null {
  if (key === null && team === null) return null;
  if (key === null || team === null) return modelAccess(key ?? team!);
  const k = modelAccess(key);
  const t = modelAccess(team);
  return { entries: key, allows: (m) => k.allows(m) && t.allows(m) };
}
