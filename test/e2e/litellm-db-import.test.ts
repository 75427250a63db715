// `agentgateway import --from litellm --database postgres://...` against a real PostgreSQL
// loaded with LiteLLM's schema (test/fixtures/litellm/schema.sql, from its schema.prisma) and
// rows made here the way LiteLLM writes them (token = sha256 hex of the sk- key). The imported
// gateway is then driven with the OpenAI SDK using each client's original key: it works
// unchanged, with its team, allowed models, budget and spend so far; blocked and expired keys
// are refused; a re-import does not count spend twice.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess, runCli } from '../helpers/gateway-process.js';
import { KeysAdmin } from '../helpers/keys.js';
import { PostgresServer } from '../helpers/postgres-server.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';
import { freePort, movePorts } from '../helpers/ports.js';

const PG_PORT = await freePort();
const ADMIN = await freePort();
/** Where the imported config (LiteLLM's port 4000) is served: its port moved to a free one. */
const PORT = await freePort();
const DEAD = await freePort();
const GUIDE = 'test/fixtures/litellm/litellm-config.yaml';
const MASTER_KEY = 'sk-litellm-master-key-1234';
const ENV = { OPENAI_API_KEY: 'sk-openai-upstream', ANTHROPIC_API_KEY: 'sk-ant-upstream', LITELLM_MASTER_KEY: MASTER_KEY };
const KEYS = {
  alice: 'sk-alice-litellm-0000000000000001',
  bob: 'sk-bob-litellm-00000000000000002',
  carol: 'sk-carol-litellm-0000000000000003',
  dave: 'sk-dave-litellm-00000000000000004',
  eve: 'sk-eve-litellm-000000000000000005',
};
const hashToken = (k: string) => createHash('sha256').update(k).digest('hex'); // LiteLLM's hash_token

const mocks = useProviderMocks();
const admin = new KeysAdmin(ADMIN);
const dir = mkdtempSync(join(tmpdir(), 'agw-litellm-db-'));
const out = join(dir, 'agentgateway.yaml');
let pg: PostgresServer;
let gw: GatewayProcess;

async function loadLiteLlm(): Promise<void> {
  await pg.sql(readFileSync('test/fixtures/litellm/schema.sql', 'utf8'));
  await pg.sql(
    `INSERT INTO "LiteLLM_BudgetTable" (budget_id, max_budget, soft_budget, budget_duration, tpm_limit, created_by, updated_by)
     VALUES ('budget-eve', 5, 4, '1d', 100000, 'admin', 'admin')`,
  );
  await pg.sql(
    `INSERT INTO "LiteLLM_TeamTable" (team_id, team_alias, max_budget, soft_budget, spend, models, rpm_limit, budget_duration, metadata)
     VALUES ('0b9e1c2a-team', 'search', 50, 40, 12.5, ARRAY['gpt-4o','gpt-4o-mini'], 1000, '1mo', '{"cost_center": "cc-42"}')`,
  );
  const key = `INSERT INTO "LiteLLM_VerificationToken"
    (token, key_name, key_alias, team_id, user_id, models, max_budget, budget_duration, spend, metadata, rpm_limit, blocked, expires, budget_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`;
  const name = (k: string) => `sk-...${k.slice(-4)}`;
  await pg.sql(key, [
    hashToken(KEYS.alice),
    name(KEYS.alice),
    'alice-laptop',
    '0b9e1c2a-team',
    'alice',
    ['gpt-4o'],
    10,
    '30d',
    3.25,
    { env: 'prod' },
    60,
    null,
    null,
    null,
  ]);
  await pg.sql(key, [hashToken(KEYS.bob), name(KEYS.bob), 'bob-ci', null, 'bob', [], 0.5, null, 0.5, {}, null, false, null, null]);
  await pg.sql(key, [hashToken(KEYS.carol), name(KEYS.carol), 'carol-old', null, 'carol', [], null, null, 1, {}, null, true, null, null]);
  await pg.sql(key, [
    hashToken(KEYS.dave),
    name(KEYS.dave),
    'dave-temp',
    null,
    'dave',
    [],
    null,
    null,
    0,
    {},
    null,
    null,
    new Date(Date.now() - 86_400_000),
    null,
  ]);
  await pg.sql(key, [
    hashToken(KEYS.eve),
    name(KEYS.eve),
    null,
    null,
    'eve',
    ['all-proxy-models'],
    null,
    null,
    0,
    {},
    null,
    null,
    null,
    'budget-eve',
  ]);
}

beforeAll(async () => {
  pg = await PostgresServer.start(PG_PORT);
  await loadLiteLlm();
});
afterAll(async () => {
  if (gw !== undefined) expect(await gw.stop()).toBe(0);
  await pg.stop();
});

const ask = (key: string, model = 'gpt-4o') =>
  new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/v1`, apiKey: key, maxRetries: 0 }).chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Hello' }],
  });

describe('import --from litellm --database', () => {
  it('writes LiteLLM’s keys and teams into the gateway’s store and a config that uses it', async () => {
    const r = await runCli(['import', '--from', 'litellm', '-f', GUIDE, '--database', pg.url, '-o', out]);
    expect(r.code, r.output).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        `imported 5 key\\(s\\) \\(0 updated, 1 blocked ones revoked\\) and 1 team\\(s\\) with \\$17\\.25 of spend from postgres://postgres@127\\.0\\.0\\.1:${PG_PORT}/postgres into .*agentgateway-keys\\.db`,
      ),
    );
    expect(r.stderr).toMatch(
      /database: LiteLLM_VerificationToken\[alice-laptop\]: approximate: budget_duration "30d" becomes a monthly budget/,
    );
    const yaml = readFileSync(out, 'utf8');
    expect(yaml).toMatch(/keys:\n(\s+#.*\n)*\s+store:\n\s+file: agentgateway-keys\.db/);
    expect(yaml).toMatch(/apiKey:\n\s+mode: strict\n\s+keys:\n[\s\S]*virtualKeys: true/);
    // the store holds hashes, never a client's key
    const store = readFileSync(join(dir, 'agentgateway-keys.db'), 'utf8');
    for (const k of Object.values(KEYS)) expect(store).not.toContain(k);
    writeFileSync(out, movePorts(yaml, { 4000: PORT })); // served on a free port
  });

  it('every client keeps its key: the OpenAI SDK with the original sk- key works unchanged', async () => {
    gw = await GatewayProcess.start({ args: ['-f', out, ...mocks.args()], env: { ...ENV, ADMIN_ADDR: `127.0.0.1:${ADMIN}` } });
    const answer = await ask(KEYS.alice);
    expect(answer.choices[0]!.message.content).toBeTruthy();
    expect(mocks.openai.last.headers.authorization).toBe(`Bearer ${ENV.OPENAI_API_KEY}`);
    await ask(KEYS.eve, 'claude-haiku'); // all-proxy-models: any model
    await ask(MASTER_KEY); // LiteLLM's master key still works too
  });

  it('keeps allowed models (the key’s and its team’s), budgets, spend so far, and blocks', async () => {
    expect(await ask(KEYS.alice, 'claude-haiku').catch((e: unknown) => e)).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const listed = (await admin.call('GET', '/api/keys')).json;
    const alice = listed.keys.find((k: any) => k.name === 'alice-laptop');
    expect(alice).toMatchObject({
      id: `litellm_${hashToken(KEYS.alice).slice(0, 12)}`,
      team: 'search',
      user: 'alice',
      source: 'import',
      allowedModels: ['gpt-4o'],
      metadata: { env: 'prod' },
      rateLimits: [{ type: 'requests', maxTokens: 60, fillInterval: '1m' }],
      budgets: [{ unit: 'usd', period: 'monthly', limit: 10 }],
      hint: 'sk-...0001',
    });
    expect(alice.spend.month.usd).toBeGreaterThan(3.25); // 3.25 from LiteLLM, plus the request above
    expect(alice.spend.month.usd).toBeLessThan(3.26);
    const team = listed.teams.find((t: any) => t.name === 'search');
    expect(team).toMatchObject({ budgets: [{ unit: 'usd', period: 'monthly', limit: 50, soft: 40 }], metadata: { cost_center: 'cc-42' } });
    expect(team.spend.month.usd).toBeGreaterThan(12.5);
    const eve = listed.keys.find((k: any) => k.user === 'eve');
    expect(eve).toMatchObject({ allowedModels: null, budgets: [{ unit: 'usd', period: 'daily', limit: 5, soft: 4 }] });
    // bob spent his whole budget in LiteLLM: refused here too
    const bob = await ask(KEYS.bob).catch((e: unknown) => e);
    expect(bob).toBeInstanceOf(OpenAI.RateLimitError);
    expect((bob as Error).message).toMatch(/budget exhausted: key "bob-ci" has used \$0\.5 of its total limit of \$0\.5/);
    const carol = await ask(KEYS.carol).catch((e: unknown) => e);
    expect((carol as Error).message).toMatch(/key "carol-old" was revoked/);
    const dave = await ask(KEYS.dave).catch((e: unknown) => e);
    expect((dave as Error).message).toMatch(/key "dave-temp" expired at/);
  });

  it('a second import into a store in use is refused; into a stopped gateway’s store it updates records, not spend', async () => {
    const busy = await runCli(['import', '--from', 'litellm', '--database', pg.url, '--store', join(dir, 'agentgateway-keys.db')]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/is in use by another process .* \(stop the gateway that owns it, or import into another store\)/);
    expect(await gw.stop()).toBe(0);
    await pg.sql(`UPDATE "LiteLLM_VerificationToken" SET max_budget = 20 WHERE key_alias = 'alice-laptop'`);
    const again = await runCli(['import', '--from', 'litellm', '--database', pg.url, '--store', join(dir, 'agentgateway-keys.db')]);
    expect(again.code, again.output).toBe(0);
    expect(again.stderr).toMatch(/imported 0 key\(s\) \(5 updated/);
    expect(again.stdout).toMatch(/keys:\n\s+store:\n\s+file: /);
    gw = await GatewayProcess.start({ args: ['-f', out, ...mocks.args()], env: { ...ENV, ADMIN_ADDR: `127.0.0.1:${ADMIN}` } });
    const alice = (await admin.call('GET', '/api/keys')).json.keys.find((k: any) => k.name === 'alice-laptop');
    expect(alice.budgets[0].limit).toBe(20);
    expect(alice.spend.month.usd).toBeLessThan(3.26); // not 6.5: spend was not imported twice
  });

  it('says what it cannot reach, without the password', async () => {
    const r = await runCli(['import', '--from', 'litellm', '--database', `postgres://u:hunter2@127.0.0.1:${DEAD}/x`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`cannot connect to LiteLLM's database at postgres://u:\\*\\*\\*@127\\.0\\.0\\.1:${DEAD}/x`));
    expect(r.stderr).not.toContain('hunter2');
  });
});
