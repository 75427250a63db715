// deploy/kubernetes checked offline (there is no cluster here): every document parses and
// validates against Kubernetes' OpenAPI schema (kubernetes-models: required fields and types),
// the gateway's manifests have what production needs, and the pieces fit together: selectors match the pod labels, probes
// and annotations name ports the container declares, the grace period covers preStop and the
// drain, the HPA targets the Deployment, the PDB leaves room for a drain at minReplicas, the
// ConfigMap's config loads and compiles and reaches Redis through the Redis Service, and the
// user matches the image's.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../../src/config/load.js';
import { compile } from '../../../src/runtime/compile.js';
import { LiveState } from '../../../src/runtime/live-state.js';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';
import { PoolFactory } from '../../../src/upstream/pools.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const DIR = join(ROOT, 'deploy/kubernetes');

type Doc = Record<string, any>;

function load(file: string): Doc[] {
  return parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => {
    expect(d.errors, `${file}: ${d.errors.join('; ')}`).toEqual([]);
    return d.toJS() as Doc;
  });
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const docs = files.flatMap((f) => load(f).map((doc) => ({ file: f, doc })));
const find = (kind: string, name: string): Doc => {
  const hit = docs.find(({ doc }) => doc.kind === kind && doc.metadata?.name === name);
  if (hit === undefined) throw new Error(`no ${kind} ${name} in deploy/kubernetes`);
  return hit.doc;
};

/** kind -> the API version used, and its model generated from Kubernetes' OpenAPI schema. */
const MODELS: Record<string, [string, new (doc: any) => { validate(): void }]> = {
  ConfigMap: ['v1', ConfigMap],
  Service: ['v1', Service],
  Deployment: ['apps/v1', Deployment],
  PodDisruptionBudget: ['policy/v1', PodDisruptionBudget],
  HorizontalPodAutoscaler: ['autoscaling/v2', HorizontalPodAutoscaler],
};

const gateway = find('Deployment', 'agentgateway');
const pod = gateway.spec.template;
const container = pod.spec.containers[0];
const portByName = (c: Doc, name: string | number): number =>
  typeof name === 'number' ? name : c.ports.find((p: Doc) => p.name === name)?.containerPort;

describe('deploy/kubernetes', () => {
  it('kustomization.yaml lists every manifest', () => {
    const [k] = load('kustomization.yaml');
    expect([...k!.resources].sort()).toEqual([...files].sort());
  });

  it.each(docs.map(({ file, doc }) => [`${file}: ${doc.kind} ${doc.metadata?.name}`, doc]))('%s is valid and complete', (_, doc) => {
    const [apiVersion, Model] = MODELS[doc.kind]!;
    expect(doc.apiVersion).toBe(apiVersion);
    // required fields and types, as the API server's schema has them
    expect(() => new Model(doc).validate()).not.toThrow();
    expect(doc.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    if (doc.kind === 'Deployment') {
      for (const [k, v] of Object.entries(doc.spec.selector.matchLabels)) expect(doc.spec.template.metadata.labels[k]).toBe(v);
      for (const c of doc.spec.template.spec.containers) {
        expect(c.name).toBeTruthy();
        expect(c.image).toBeTruthy();
        expect(c.resources.requests.cpu).toBeTruthy();
        expect(c.resources.requests.memory).toBeTruthy();
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
      }
    }
    if (doc.kind === 'Service') {
      const target = find('Deployment', Object.values(doc.spec.selector)[0] as string);
      for (const [k, v] of Object.entries(doc.spec.selector)) expect(target.spec.template.metadata.labels[k]).toBe(v);
      for (const p of doc.spec.ports) expect(portByName(target.spec.template.spec.containers[0], p.targetPort)).toBeGreaterThan(0);
    }
  });

  it('the gateway pod: probes on readiness, preStop drain inside the grace period, non-root as in the image', () => {
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet.path).toBe('/healthz/ready');
      expect(portByName(container, probe.httpGet.port)).toBe(15021);
    }
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command.at(-1));
    const drainMs = Number(container.env.find((e: Doc) => e.name === 'AGW_DRAIN_TIMEOUT_MS').value);
    expect(preStopSeconds).toBeGreaterThan(0);
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + drainMs / 1000);
    const dockerUser = /^USER (\d+):(\d+)$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    expect(String(pod.spec.securityContext.runAsUser)).toBe(dockerUser![1]);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(gateway.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it('Prometheus scrapes the metrics port', () => {
    const a = pod.metadata.annotations;
    expect(a['prometheus.io/scrape']).toBe('true');
    expect(Number(a['prometheus.io/port'])).toBe(portByName(container, 'metrics'));
    expect(a['prometheus.io/path']).toBe('/metrics');
    expect(portByName(container, 'metrics')).toBe(15020);
  });

  it('the HPA scales the Deployment, and the PDB lets a node drain at minReplicas', () => {
    const hpa = find('HorizontalPodAutoscaler', 'agentgateway');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'agentgateway' });
    expect(gateway.spec.replicas).toBeUndefined(); // the HPA owns it
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    const pdb = find('PodDisruptionBudget', 'agentgateway');
    expect(pdb.spec.selector.matchLabels).toEqual(gateway.spec.selector.matchLabels);
    expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
  });

  it('the ConfigMap is mounted at /cfg and its config loads, compiles and limits through the Redis Service', async () => {
    const cm = find('ConfigMap', 'agentgateway-config');
    const volume = pod.spec.volumes.find((v: Doc) => v.configMap?.name === cm.metadata.name);
    expect(container.volumeMounts.find((m: Doc) => m.name === volume.name).mountPath).toBe('/cfg');
    // An explicit worker count: the default (every CPU of the node, no CPU limit) would not fit the memory limit.
    expect(container.args).toEqual(['-f', '/cfg/agentgateway.yaml', '--workers', '2']);
    const env: Record<string, string> = { OPENAI_API_KEY: 'k1', ANTHROPIC_API_KEY: 'k2' };
    for (const e of container.env) if (e.value !== undefined) env[e.name] = e.value;
    for (const e of container.env.filter((x: Doc) => x.valueFrom)) expect(e.valueFrom.secretKeyRef.name).toBe('agentgateway-keys');
    const loaded = parseConfig(cm.data['agentgateway.yaml'], 'configmap.yaml', env);
    const live = new LiveState();
    const { snapshot } = compile(loaded, new PoolFactory(new ConnectOverrides()), 1, { live: live.begin() });
    expect([...snapshot.binds.keys()]).toEqual([3000]);
    expect(portByName(container, 'http')).toBe(3000);
    await live.closeAll();
    const redisUrl = new URL(env.REDIS_URL!);
    const redisService = find('Service', redisUrl.hostname);
    expect(redisService.spec.ports.map((p: Doc) => p.port)).toContain(Number(redisUrl.port));
    const routes = loaded.config.binds![0]!.listeners[0]!.routes!;
    for (const r of routes) expect((r.policies as Doc).redisRateLimit.url).toBe(env.REDIS_URL);
  });
});
