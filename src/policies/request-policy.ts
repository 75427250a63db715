// What request policies (CORS, CSRF, authentication, authorization) see of a request and how
// they answer. The pipeline's RequestCtx satisfies PolicyRequest structurally, so policies never
// import the pipeline; a policy either returns (continue), returns a Reply (answer now, e.g. a
// CORS preflight), or throws a PolicyRejection (401/403 in the caller's dialect).
import type { CelRequest } from '../cel/index.js';
import type { LlmErrorType } from '../llm/errors.js';

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

export interface RequestPolicy {
  apply(req: PolicyRequest): PolicyOutcome | Promise<PolicyOutcome>;
}

/** A request refused by a policy; the pipeline writes it in the caller's dialect. */
export class PolicyRejection extends Error {
  constructor(
    readonly status: number,
    readonly type: LlmErrorType,
    message: string,
    /** WWW-Authenticate and similar. */
    readonly headers: readonly [string, string][] = [],
  ) {
    super(message);
    this.name = 'PolicyRejection';
  }
}

/** Where policies read their files and report config problems (the runtime compiler). */
export interface PolicyCompiler {
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
}
