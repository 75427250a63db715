// The three kinds of policy, by when they run (agentgateway's store/policy.rs traits):
// - RequestPolicy: once per request, before a backend is chosen, never again on a retry (CORS,
//   CSRF, authentication, authorization, rate limits; the prompt guard on the prompt);
// - BackendPolicy: once per upstream attempt, inside the retry loop, on that attempt (passive
//   health, the retry decision; backend auth and header rewrites are compiled into header rules);
// - ResponsePolicy: once per request, after all attempts, on the answer (response guards).
// What they see of a request is structural (the pipeline's RequestCtx satisfies PolicyRequest),
// so policies never import the pipeline. A policy continues (undefined), answers now (a Reply,
// e.g. a CORS preflight) or throws a GatewayError of its kind (src/errors.ts), which the
// pipeline writes in the caller's dialect. Policies reach the network only through the port
// the compiler hands in (network.ts).
import type { CelRequest } from '../cel/index.js';
import type { ApiFormat, Json } from '../llm/convert/types.js';
import type { PolicyNetwork } from './network.js';
import type { VirtualKeyHit, VirtualKeys } from './virtual-keys.js';

/** A client credential found by an authentication policy, removed before forwarding. */
export type ClientCredential =
  | { readonly kind: 'header'; readonly name: string; readonly jwt: boolean }
  | { readonly kind: 'query'; readonly name: string; readonly jwt: boolean }
  | { readonly kind: 'cookie'; readonly name: string; readonly jwt: boolean };

export interface JwtIdentity {
  readonly claims: Readonly<Record<string, unknown>>;
  /** Claims in CEL form, built on first use and kept with the cached verification. */
  celClaims?: unknown;
}

export interface ApiKeyIdentity {
  readonly celMetadata: Readonly<Record<string, unknown>>;
  /** Models this key may use on LLM routes (names or `prefix*` / `*suffix` / `*` patterns); null: any. */
  readonly allowedModels: ModelAccess | null;
  /** Set for a virtual key (the keys: section): budgets, limits and spend apply. */
  readonly virtualKey?: VirtualKeyHit;
}

/** A key's allowedModels: exact names, and patterns tried in order. */
export interface ModelAccess {
  allows(model: string): boolean;
  /** The allowed names and patterns as configured (the model list shows what a key may use). */
  readonly entries: readonly string[];
}

export interface PolicyRequest extends CelRequest {
  jwt: JwtIdentity | null;
  apiKey: ApiKeyIdentity | null;
  basicAuth: { readonly username: string } | null;
  /** Value of a request header (lower-case name). */
  header(name: string): string | undefined;
  /** Records a credential to strip before forwarding. */
  addCredential(c: ClientCredential): void;
  /** Headers added to whatever response this request gets (CORS). */
  addResponseHeaders(headers: readonly string[]): void;
}

/** An answer made by a policy without going upstream (CORS preflight). */
export interface Reply {
  readonly status: number;
  /** Flat `[name, value, ...]` list. */
  readonly headers: readonly string[];
}

/** `undefined`: continue with the next phase. */
export type PolicyOutcome = Reply | undefined;

/** Once per request, before backend selection; not repeated on retries. */
export interface RequestPolicy<R = PolicyRequest> {
  apply(req: R): PolicyOutcome | Promise<PolicyOutcome>;
}

/** One upstream attempt as a backend policy judges it: its response head (status 0: none came). */
export interface AttemptHead {
  readonly status: number;
  /** A response header (any case). */
  header(name: string): string | undefined;
}

/**
 * Once per upstream attempt, inside the retry loop, on that attempt's head (`req.response` is
 * set to it for CEL): what it concludes, `V`, is the attempt loop's to act on.
 */
export interface BackendPolicy<V> {
  judge(req: CelRequest, head: AttemptHead): V;
}

/** Once per request, after all attempts, on the answer in the client's format: may change it, or refuse it (throws). */
export interface ResponsePolicy {
  guardAnswer(answer: Json, format: ApiFormat): void | Promise<void>;
}

/** Where policies read their files, report config problems and reach the network (the runtime compiler). */
export interface PolicyCompiler {
  /** The one way to the network (JWKS URLs, guardrail webhooks): the gateway's pools. */
  readonly network: PolicyNetwork;
  /**
   * Live state carried across reloads (JWKS caches, verified-credential caches): same id and
   * spec, same object. Objects with `dispose()` are released when no snapshot uses them.
   */
  live<T extends object>(id: string, spec: unknown, create: () => T): T;
  fail(path: (string | number)[], message: string): void;
  warn(message: string): void;
  readFile(path: (string | number)[], file: string): string | undefined;
  /** Absolute path of a file named in the config (relative to the config file). */
  resolveFile(file: string): string;
  /** The compiled keys: section (virtual keys), or null when the config has none. */
  readonly virtualKeys?: VirtualKeys | null;
}
