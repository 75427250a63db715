// Optional dependencies load only when the config uses them: a minimal config never loads the
// Redis client or the OpenTelemetry SDK (together ~45 MB resident), nor the MCP SDK; a config
// with tracing and a Redis rate limit loads them, one with MCP targets the MCP SDK. The gateway runs with a resolve hook recording every package.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { onFreePorts } from '../helpers/ports.js';

const HOOK = fileURLToPath(new URL('../helpers/record-imports.mjs', import.meta.url));
const OPTIONAL = ['ioredis', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/sdk-trace-base', '@opentelemetry/resources'];
// JWT, CEL and bcrypt (basic auth, bcrypt API keys): imported when a config compiles a policy that needs them.
const POLICY_LIBS = ['jose', '@marcbachmann/cel-js', 'bcryptjs'];
// Protocol versions and the stdio / legacy SSE client transports: imported when a config compiles an MCP backend.
const MCP_SDK = '@modelcontextprotocol/sdk';

async function packagesLoaded(config: string, settle?: () => Promise<void>): Promise<string[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'agw-imports-')), 'packages.txt');
  const gw = await GatewayProcess.start({
    args: ['-f', config],
    env: { NODE_OPTIONS: `--import=${HOOK}`, AGW_RECORD_IMPORTS: file, OPENAI_API_KEY: 'sk-test', ANTHROPIC_API_KEY: 'sk-test' },
  });
  await settle?.();
  expect(await gw.stop()).toBe(0);
  return readFileSync(file, 'utf8').trim().split('\n');
}

describe('optional dependencies load only when the config uses them', () => {
  it('the quickstart config loads neither ioredis, the OpenTelemetry SDK, jose, cel-js, bcryptjs nor the MCP SDK', async () => {
    const loaded = await packagesLoaded((await onFreePorts('configs/quickstart.yaml')).file);
    expect(loaded).toContain('undici'); // the hook saw the gateway's own imports
    for (const pkg of [...OPTIONAL, ...POLICY_LIBS, MCP_SDK]) expect(loaded).not.toContain(pkg);
  });

  it('a config with MCP targets loads the MCP SDK (the compile loads it and runs again)', async () => {
    const loaded = await packagesLoaded((await onFreePorts('configs/mcp.yaml')).file);
    expect(loaded).toContain(MCP_SDK);
  });

  it('a config with jwtAuth and CEL authorization loads jose and cel-js (the compile loads them and runs again)', async () => {
    const loaded = await packagesLoaded((await onFreePorts('configs/jwt-auth.yaml')).file);
    expect(loaded).toContain('jose');
    expect(loaded).toContain('@marcbachmann/cel-js');
    expect(loaded).not.toContain('bcryptjs');
  });

  it('a config with tracing loads the OpenTelemetry SDK; one with a Redis rate limit loads ioredis', async () => {
    const traced = await packagesLoaded((await onFreePorts('configs/observability.yaml')).file);
    expect(traced).toContain('@opentelemetry/sdk-trace-base');
    expect(traced).not.toContain('ioredis');
    const redis = await packagesLoaded((await onFreePorts('configs/traffic/rate-limits.yaml')).file);
    expect(redis).toContain('ioredis');
  });
});
