// backendAuth.azure for an AI backend: the Entra token source for its client credentials
// (src/policies/azure-auth.ts), kept across reloads while the credential is unchanged.
import type { BackendPoliciesT } from '../config/schema/policies.js';
import { AzureTokenSource } from '../policies/azure-auth.js';
import type { FetchImpl } from '../policies/gcp-auth.js';

type Path = (string | number)[];

export interface AzureAuthCompiler {
  live<T extends object>(id: string, spec: unknown, create: () => T): T;
  readFile(path: Path, file: string): string | undefined;
}

export function compileAzureAuth(
  c: AzureAuthCompiler,
  fetch: () => FetchImpl,
  policies: BackendPoliciesT,
  name: string,
  path: Path,
): AzureTokenSource | null {
  const explicit = policies.backendAuth?.azure?.explicitConfig;
  const mi = explicit?.managedIdentity;
  if (mi !== undefined) {
    const credential = { managedIdentity: mi.userAssignedIdentity ?? {} };
    return c.live(`ai/${name}::azureAuth`, credential, () => new AzureTokenSource({ credential, fetch: fetch(), backend: name }));
  }
  const cs = explicit?.clientSecret;
  if (cs === undefined) return null;
  const at = [...path, 'policies', 'backendAuth', 'azure', 'explicitConfig', 'clientSecret', 'client_secret'];
  const src = cs.client_secret;
  const clientSecret = typeof src === 'string' ? src : c.readFile(at, src.file)?.trim();
  if (clientSecret === undefined) return null;
  const credential = { tenantId: cs.tenant_id, clientId: cs.client_id, clientSecret };
  return c.live(`ai/${name}::azureAuth`, credential, () => new AzureTokenSource({ credential, fetch: fetch(), backend: name }));
}
