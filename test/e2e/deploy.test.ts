// The deployment files' behaviour, short of a container engine and a cluster: the image's
// HEALTHCHECK command run against a real gateway, and the Kubernetes ConfigMap's config served
// by two gateway processes ("replicas") sharing one real Redis, as the Deployment runs them.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { writeConfig } from '../helpers/auth-gateway.js';
import { GatewayProcess, ROOT } from '../helpers/gateway-process.js';
import { freePort, movePorts } from '../helpers/ports.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';
import { RedisServer } from '../helpers/redis-server.js';
import { tempDir } from '../helpers/auth-gateway.js';

const run = promisify(execFile);
const mocks = useProviderMocks();
const dir = tempDir();

/** The HEALTHCHECK's command from the Dockerfile, pointed at `port` instead of 15021. */
function healthcheck(port: number): string[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const cmd = /^HEALTHCHECK .*?CMD (\[.*\])$/m.exec(text)![1]!;
  return (JSON.parse(cmd) as string[]).map((a) => a.replaceAll('127.0.0.1/15021', `127.0.0.1/${port}`));
}

describe("the image's HEALTHCHECK", () => {
  it('passes once the gateway is ready and fails when nothing answers', async () => {
    const [ready, data] = [await freePort(), await freePort()];
    const gw = await GatewayProcess.start({
      args: [
        '-f',
        writeConfig(dir, 'quickstart.yaml', movePorts(readFileSync(join(ROOT, 'configs/quickstart.yaml'), 'utf8'), { 3000: data })),
      ],
      env: { ADMIN_ADDR: 'off', STATS_ADDR: 'off', READINESS_ADDR: `127.0.0.1:${ready}` },
    });
    const [cmd, ...args] = healthcheck(ready);
    await expect(run(cmd!, args)).resolves.toBeDefined();
    expect(await gw.stop()).toBe(0);
    await expect(run(cmd!, args)).rejects.toMatchObject({ code: expect.any(Number) });
  });
});

describe('the Kubernetes ConfigMap: replicas share the route limit through Redis', () => {
  let redis: RedisServer;
  const replicas: { gw: GatewayProcess; port: number }[] = [];
  let limit: number;

  beforeAll(async () => {
    const manifests = parseAllDocuments(readFileSync(join(ROOT, 'deploy/kubernetes/configmap.yaml'), 'utf8')).map((d) => d.toJS());
    const shipped: string = manifests.find((m) => m.kind === 'ConfigMap').data['agentgateway.yaml'];
    // Its Redis timeout (50ms, then failOpen) is for a quiet cluster; on a loaded test machine a
    // slow answer would let a request through and make the count depend on timing.
    const yaml = shipped.replaceAll('timeout: 50ms', 'timeout: 10s');
    expect(yaml).not.toBe(shipped);
    limit = parse(yaml).binds[0].listeners[0].routes[0].policies.redisRateLimit.limits[0].maxTokens;
    redis = await RedisServer.start(await freePort());
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const gw = await GatewayProcess.start({
        args: ['-f', writeConfig(dir, `replica-${i}.yaml`, movePorts(yaml, { 3000: port })), ...mocks.args()],
        env: {
          OPENAI_API_KEY: 'k1',
          ANTHROPIC_API_KEY: 'k2',
          REDIS_URL: redis.url,
          ADMIN_ADDR: 'off',
          STATS_ADDR: 'off',
          READINESS_ADDR: 'off',
        },
      });
      replicas.push({ gw, port });
    }
  });
  afterAll(async () => {
    for (const { gw } of replicas) expect(await gw.stop()).toBe(0);
    await redis?.stop();
  });

  it('admits exactly the limit across both replicas, then 429 in the caller dialect', async () => {
    const statuses: number[] = [];
    const send = (i: number) =>
      fetch(`http://127.0.0.1:${replicas[i % 2]!.port}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }),
      }).then(async (r) => {
        statuses.push(r.status);
        if (r.status === 429) expect(((await r.json()) as any).error.type).toBeTruthy();
        else await r.arrayBuffer();
      });
    for (let i = 0; i < limit + 2; i += 50) await Promise.all(Array.from({ length: Math.min(50, limit + 2 - i) }, (_, k) => send(i + k)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(limit);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(mocks.openai.requests).toHaveLength(limit);
  });
});
