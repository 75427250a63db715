// The config the provider-credential suites vary: one bind, one route, one AI backend and its
// policies, all given as YAML flow text (`{bedrock: {...}}`, `{backendAuth: {aws: {...}}}`).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AiBackendConfig {
  port: number;
  name: string;
  provider: string;
  policies: string;
  /** Where the file goes (beside files it names); a new temporary directory when absent. */
  dir?: string;
}

/** Writes the config and returns its path. */
export function aiBackendConfig(c: AiBackendConfig): string {
  const file = join(c.dir ?? mkdtempSync(join(tmpdir(), 'agw-ai-backend-')), `${c.name}.yaml`);
  writeFileSync(
    file,
    `binds:
- port: ${c.port}
  listeners:
  - routes:
    - backends:
      - ai:
          name: ${c.name}
          provider: ${c.provider}
      policies: ${c.policies}
`,
  );
  return file;
}
