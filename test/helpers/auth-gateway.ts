// Shared pieces of the authentication e2e suites: a temp dir for configs and key files, a
// gateway started with the management servers off (other suites own those ports), and the
// check that no secret a test used shows up in the gateway's output.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { GatewayProcess } from './gateway-process.js';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'agw-auth-'));
}

export function writeConfig(dir: string, name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

export function startGateway(config: string, args: string[] = [], env: Record<string, string> = {}): Promise<GatewayProcess> {
  return GatewayProcess.start({
    args: ['-f', config, ...args],
    // debug: every request is logged, so the secret grep below covers request logs too
    env: { ADMIN_ADDR: 'off', STATS_ADDR: 'off', READINESS_ADDR: 'off', AGW_LOG_LEVEL: 'debug', ...env },
  });
}

/** Fails if any secret appears in the text (gateway output or a response body). */
export function expectNoSecrets(text: string, secrets: Iterable<string>, where: string): void {
  for (const s of secrets) expect(text.includes(s), `${where} contains a secret (${s.slice(0, 6)}…)`).toBe(false);
}
