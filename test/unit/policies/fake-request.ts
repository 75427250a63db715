// A PolicyRequest for unit tests (the pipeline's RequestCtx implements the same interface).
import { Pool } from 'undici';
import type { PolicyNetwork } from '../../../src/policies/network.js';
import type { ClientCredential, PolicyRequest } from '../../../src/policies/types.js';
import { policyCall } from '../../../src/upstream/policy-call.js';
import { celRequest } from '../cel/request.js';

export interface FakeRequest extends PolicyRequest {
  hiddenHeaders: ReadonlySet<string> | null;
  credentials: ClientCredential[];
  responseHeaders: string[];
}

export function fakeRequest(
  headers: Record<string, string> = {},
  over: { method?: string; path?: string; query?: string; remoteAddress?: string } = {},
): FakeRequest {
  const list = Object.entries(headers).flatMap(([k, v]) => [k.toLowerCase(), v]);
  const req: FakeRequest = {
    ...celRequest({
      down: {
        method: over.method ?? 'GET',
        path: over.path ?? '/',
        query: over.query ?? '',
        headers: list,
        remoteAddress: over.remoteAddress ?? '127.0.0.1',
        body: null,
      },
    }),
    // identities are settable here (a CelRequest only reads them)
    apiKey: null,
    credentials: [],
    responseHeaders: [],
    header: (n) => {
      for (let i = 0; i < list.length; i += 2) if (list[i] === n) return list[i + 1];
      return undefined;
    },
    // as RequestCtx does: a consumed header is hidden from CEL and from later policies
    addCredential: (c) => {
      req.credentials.push(c);
      if (c.kind === 'header') req.hiddenHeaders = new Set([...(req.hiddenHeaders ?? []), c.name]);
    },
    addResponseHeaders: (h) => void req.responseHeaders.push(...h),
  };
  return req;
}

/** A PolicyCompiler that records problems. */
export function fakeCompiler(files: Record<string, string> = {}) {
  const problems: string[] = [];
  const warnings: string[] = [];
  return {
    problems,
    warnings,
    fail: (path: (string | number)[], message: string) => void problems.push(`${path.join('.')}: ${message}`),
    warn: (m: string) => void warnings.push(m),
    readFile: (path: (string | number)[], file: string) => {
      if (file in files) return files[file];
      problems.push(`${path.join('.')}: cannot read ${file}: ENOENT`);
      return undefined;
    },
    resolveFile: (file: string) => `/cfg/${file}`,
    /** No reload in unit tests: every compile gets fresh live state. */
    live: <T extends object>(_id: string, _spec: unknown, create: () => T): T => create(),
    network: realNetwork,
  };
}

/** The policies' network port over a plain undici pool per origin (the gateway's adds pool reuse and overrides). */
export const realNetwork: PolicyNetwork = {
  endpoint: (origin) => {
    const pool = new Pool(origin);
    return { call: (c) => policyCall(pool, c) };
  },
};
