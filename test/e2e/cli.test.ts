// The command line as users type it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GatewayProcess, runCli } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';

const KEYS = { OPENAI_API_KEY: 'sk-a', ANTHROPIC_API_KEY: 'sk-b' };

function tmpConfig(text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'agw-')), 'config.yaml');
  writeFileSync(f, text);
  return f;
}

describe('agentgateway --validate-only', () => {
  it('accepts the guide configs (-f and --file=)', async () => {
    const a = await runCli(['--validate-only', '-f', 'configs/step2-multi-provider/agentgateway.yaml'], KEYS);
    expect(a.code).toBe(0);
    expect(a.output).toContain('config OK');
    const b = await runCli(['--validate-only', '--file=configs/step1-basic-routing/agentgateway.yaml'], KEYS);
    expect(b.code).toBe(0);
    expect(b.output).toContain('2 bind(s)');
  });

  it('exits 1 with the positioned error for a bad config', async () => {
    const f = tmpConfig(
      'binds:\n- port: 3000\n  listeners:\n  - routes:\n    - backends:\n      - ai:\n          name: x\n          provider:\n            openai: {}\n',
    );
    const r = await runCli(['--validate-only', '-f', f]);
    expect(r.code).toBe(1);
    expect(r.output).toContain(
      `${f}:9:13: binds[0].listeners[0].routes[0].backends[0].ai.provider.openai: unknown key "openai" (did you mean "openAI"?)`,
    );
  });

  it('exits 1 naming the unset environment variable', async () => {
    const r = await runCli(['--validate-only', '-f', 'configs/step2-multi-provider/agentgateway.yaml'], { ANTHROPIC_API_KEY: 'x' });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/agentgateway\.yaml:19:23: environment variable "OPENAI_API_KEY" is not set/);
  });

  it('exits 1 for a missing file', async () => {
    const r = await runCli(['--validate-only', '-f', 'no/such/file.yaml']);
    expect(r.code).toBe(1);
    expect(r.output).toContain('cannot read config');
  });
});

describe('command line', () => {
  it('rejects unknown flags with usage (exit 2)', async () => {
    const r = await runCli(['--bogus']);
    expect(r.code).toBe(2);
    expect(r.output).toContain('unknown argument "--bogus"');
    expect(r.output).toContain('Usage: agentgateway');
  });

  it('prints the version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/^agentgateway \d+\.\d+\.\d+/);
  });

  it('a data-plane port that is taken is a hard error', async () => {
    const port = await freePort();
    const cfg = tmpConfig(`binds:\n- port: ${port}\n  listeners:\n  - routes:\n    - backends: [{ai: {name: m, provider: {mock: {}}}}]\n`);
    const first = await GatewayProcess.start({ args: ['-f', cfg] });
    try {
      const second = await runCli(['-f', cfg]);
      expect(second.code).toBe(1);
      expect(second.output).toContain(`cannot listen on port ${port}`);
    } finally {
      expect(await first.stop()).toBe(0);
    }
  });

  it('serves an inline config given with -c', async () => {
    const port = await freePort();
    const gw = await GatewayProcess.start({
      args: [
        '-c',
        `{"binds":[{"port":${port},"listeners":[{"routes":[{"backends":[{"ai":{"name":"m","provider":{"mock":{"response":"inline ok"}}}}]}]}]}]}`,
      ],
    });
    try {
      const r = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(((await r.json()) as any).choices[0].message.content).toBe('inline ok');
    } finally {
      await gw.stop();
    }
  });
});
