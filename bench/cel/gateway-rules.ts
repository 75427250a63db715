// Time per request of the gateway's own CEL path for authorization rules: build the activation
// from a request (only the referenced variables) and evaluate every rule. Asserts the results
// before timing them.
//   npx tsx bench/cel/gateway-rules.ts
import { Bench } from 'tinybench';
import { loadCel } from '../../src/cel/env.js';
import { ActivationPlan, compileCel, holds, type CelRequest } from '../../src/cel/index.js';

await loadCel(); // the gateway imports cel-js on demand

const req: CelRequest = {
  down: {
    method: 'POST',
    path: '/openai/v1/chat/completions',
    query: '',
    headers: ['host', '127.0.0.1:18080', 'content-type', 'application/json', 'x-tenant', 'acme', 'user-agent', 'autocannon'],
    remoteAddress: '127.0.0.1',
    body: null,
  },
  path: '/openai/v1/chat/completions',
  jwt: { claims: { sub: 'bench', scope: 'openid mcp:read', exp: 4102444800, groups: ['dev', 'ops'] } },
  apiKey: null,
  basicAuth: null,
  a2a: null,
  requestModel: undefined,
  routeType: null,
  hiddenHeaders: new Set(['authorization']),
};

const SETS: Record<string, string[]> = {
  'bench lane (2 rules)': ['jwt.scope.contains("mcp:read")', 'cidr("127.0.0.1/8").containsIP(source.address)'],
  'headers + claims (3 rules)': [
    'request.headers["x-tenant"] == "acme"',
    'jwt.groups.exists(g, g == "ops")',
    'request.method == "POST" && request.path.startsWith("/openai/")',
  ],
};

const bench = new Bench({ time: 500, warmupTime: 100 });
for (const [name, rules] of Object.entries(SETS)) {
  const programs = rules.map((r) => compileCel(r, { resultType: 'bool' }));
  const plan = new ActivationPlan(programs);
  const once = () => {
    const act = plan.build({ ...req, jwt: { claims: req.jwt!.claims } }); // a fresh identity: claims converted per request
    return programs.every((p) => holds(p, act));
  };
  if (!once()) throw new Error(`${name}: rules did not all hold`);
  bench.add(name, once);
}
await bench.run();
for (const t of bench.tasks) {
  const r = t.result as { latency?: { p50?: number; mean: number } } | undefined;
  console.log(`${t.name}: ${Math.round((r?.latency?.p50 ?? r?.latency?.mean ?? NaN) * 1e6)} ns per request (activation + all rules)`);
}
