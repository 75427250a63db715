// The Dockerfile, .dockerignore and the two compose files, checked offline (building and
// running the image needs podman and base images: README, "Container image", has the run). What
// is checked is what a broken edit would silently lose: two stages, a non-root numeric user, the
// readiness HEALTHCHECK, the guide's config path and ports, compose mounts that name files which
// exist and load (the mock variant with no keys at all), LiteLLM on 4000 with its config.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigFile } from '../../../src/config/load.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');

/** Dockerfile instructions, continuation lines joined. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

const docker = instructions(read('Dockerfile'));
const all = (op: string) => docker.filter((i) => i.op === op).map((i) => i.args);
const runtime = docker.slice(docker.findLastIndex((i) => i.op === 'FROM'));

describe('Dockerfile', () => {
  it('builds in one stage and runs the binary from a slim one', () => {
    const froms = all('FROM');
    expect(froms).toEqual(['${BUILD_IMAGE} AS build', '${RUNTIME_IMAGE}']);
    expect(all('ARG')).toEqual(expect.arrayContaining(['BUILD_IMAGE=node:20-bookworm', 'RUNTIME_IMAGE=debian:bookworm-slim']));
    expect(docker.some((i) => i.op === 'RUN' && i.args.includes('npm run build:binary'))).toBe(true);
    const copies = runtime.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=build /src/dist/agentgateway /usr/local/bin/agentgateway');
    for (const c of copies.filter((c) => !c.startsWith('--from'))) expect(existsSync(join(ROOT, c.split(' ')[0]!))).toBe(true);
  });

  it('runs as a numeric non-root user, on the guide config path, with the readiness healthcheck', () => {
    const user = runtime.find((i) => i.op === 'USER')!.args;
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(JSON.parse(runtime.find((i) => i.op === 'ENTRYPOINT')!.args)).toEqual(['/usr/local/bin/agentgateway']);
    expect(JSON.parse(runtime.find((i) => i.op === 'CMD')!.args)).toEqual(['-f', '/cfg/agentgateway.yaml']);
    expect(runtime.find((i) => i.op === 'EXPOSE')!.args.split(' ')).toEqual(['3000', '15000', '15020', '15021']);
    const health = runtime.find((i) => i.op === 'HEALTHCHECK')!.args;
    expect(health).toContain('/dev/tcp/127.0.0.1/15021');
    expect(health).toContain('GET /healthz/ready');
    // The image's default config serves with no keys at all.
    const loaded = loadConfigFile(join(ROOT, 'configs/quickstart.yaml'), {});
    expect(loaded.config.binds!.map((b) => b.port)).toEqual([3000]);
  });

  it('.dockerignore keeps host builds, installs and secrets out of the context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const p of ['.git', 'node_modules', 'dist', 'target', 'native/*.node', '.env']) expect(ignored).toContain(p);
  });
});

type Service = { image?: string; build?: string; ports?: string[]; volumes?: string[]; environment?: Record<string, string> };

function compose(file: string): Record<string, Service> {
  return (parse(read(file)) as { services: Record<string, Service> }).services;
}

/** The host file mounted at `target`, which must exist. */
function mounted(s: Service, target: string): string {
  const v = s.volumes!.find((m) => m.split(':')[1] === target);
  expect(v, `a volume at ${target}`).toBeDefined();
  const file = join(ROOT, v!.split(':')[0]!);
  expect(existsSync(file)).toBe(true);
  return file;
}

describe('docker-compose.yaml: the guide side by side', () => {
  const services = compose('docker-compose.yaml');

  it('LiteLLM on 4000 with its config and its Postgres', () => {
    expect(Object.keys(services).sort()).toEqual(['agentgateway', 'litellm', 'litellm-db']);
    expect(services.litellm!.ports).toContain('4000:4000');
    const config = parse(readFileSync(mounted(services.litellm!, '/app/config.yaml'), 'utf8'));
    expect(config.model_list.map((m: { model_name: string }) => m.model_name)).toEqual([
      'gpt-4o',
      'gpt-4o-mini',
      'claude-sonnet',
      'claude-haiku',
    ]);
  });

  it('this gateway on 3000 and 15000, built here, serving the guide step 2 config', () => {
    const gw = services.agentgateway!;
    expect(gw.build).toBe('.');
    expect(gw.ports).toEqual(expect.arrayContaining(['3000:3000', '127.0.0.1:15000:15000']));
    const file = mounted(gw, '/cfg/agentgateway.yaml');
    expect(file).toBe(join(ROOT, 'configs/step2-multi-provider/agentgateway.yaml'));
    expect(loadConfigFile(file, { OPENAI_API_KEY: 'k1', ANTHROPIC_API_KEY: 'k2' }).config.binds![0]!.port).toBe(3000);
    expect(gw.environment!.ADMIN_TOKEN).toMatch(/^\$\{AGW_ADMIN_TOKEN:\?/); // required, never a default
  });
});

describe('docker-compose.mock.yaml: no keys', () => {
  it('serves step 2 routes on the built-in mock provider, loading with an empty environment', () => {
    const services = compose('docker-compose.mock.yaml');
    expect(Object.keys(services)).toEqual(['agentgateway']);
    const gw = services.agentgateway!;
    expect(gw.ports).toEqual(expect.arrayContaining(['3000:3000', '127.0.0.1:15000:15000']));
    const loaded = loadConfigFile(mounted(gw, '/cfg/agentgateway.yaml'), {});
    const routes = loaded.config.binds![0]!.listeners[0]!.routes!;
    expect(routes.map((r) => r.name)).toEqual(['openai', 'anthropic']);
    for (const r of routes)
      for (const b of r.backends!) expect(Object.keys((b as { ai: { provider: object } }).ai.provider)).toEqual(['mock']);
  });
});
