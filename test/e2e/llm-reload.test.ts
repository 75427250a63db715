// Hot reload of the llm: section through the real gateway process: a model added, a virtual
// model added, a bad edit refused with its position (the old models keep serving), the port
// moved; and --validate-only on llm: files.
import { writeFileSync } from 'node:fs';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, configFile, managementEnv } from '../helpers/admin-client.js';
import { GatewayProcess, runCli } from '../helpers/gateway-process.js';

const PORT = 4620;
const MOVED = 4621;
const ADMIN = 4696;

const models = (extra = '') => `    - {name: alpha, provider: mock, params: {model: alpha-1}}\n${extra}`;
const yaml = (body: string, port = PORT) => `llm:\n  port: ${port}\n  models:\n${body}`;

async function answerModel(port: number, model: string): Promise<string> {
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x', maxRetries: 0 });
  const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
  return r.model;
}

describe('llm: hot reload', () => {
  let gw: GatewayProcess;
  let file: string;
  const admin = new AdminClient(`http://127.0.0.1:${ADMIN}`);
  let version = 1;
  const save = (text: string) => {
    writeFileSync(file, text);
    return admin.waitForVersion(++version);
  };

  beforeAll(async () => {
    file = configFile(yaml(models()));
    gw = await GatewayProcess.start({ args: ['-f', file], env: managementEnv(ADMIN) });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('a model added to the file is served by the next request', async () => {
    expect(await answerModel(PORT, 'alpha')).toBe('alpha-1');
    await expect(answerModel(PORT, 'beta')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await save(yaml(models('    - {name: beta, provider: mock, params: {model: beta-1}}\n')));
    expect(await answerModel(PORT, 'beta')).toBe('beta-1');
  });

  it('a virtual model added to the file', async () => {
    await save(
      `${yaml(models('    - {name: beta, provider: mock, params: {model: beta-1}}\n'))}  virtualModels:\n    - {name: best, routing: {failover: {targets: [{model: beta, priority: 0}]}}}\n`,
    );
    expect(await answerModel(PORT, 'best')).toBe('beta-1');
  });

  it('a bad edit is refused with its position; the models keep serving', async () => {
    const before = (await admin.runtime()).reloads.failures;
    writeFileSync(
      file,
      yaml(
        models('    - {name: gamma, provider: mock}\n  virtualModels:\n    - {name: v, routing: {weighted: {targets: [{model: nope}]}}}\n'),
      ),
    );
    const rt = await admin.waitForFailure(before);
    expect(rt.lastReload.problems).toEqual([
      expect.objectContaining({
        path: 'llm.virtualModels[0].routing.weighted.targets[0].model',
        line: 7,
        message: 'target "nope" does not match any llm.models entry',
      }),
    ]);
    expect(await answerModel(PORT, 'best')).toBe('beta-1');
    await expect(answerModel(PORT, 'gamma')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('moving the port opens the new one and closes the old', async () => {
    await save(yaml(models(), MOVED));
    expect(await answerModel(MOVED, 'alpha')).toBe('alpha-1');
    await expect(fetch(`http://127.0.0.1:${PORT}/v1/models`)).rejects.toThrow();
  });
});

describe('--validate-only on llm:', () => {
  it('accepts a good file and summarises it', async () => {
    const r = await runCli(['--validate-only', '-f', configFile(yaml(models()))]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/config OK: .* \(1 bind\(s\), 1 listener\(s\), llm: 1 model\(s\), 0 virtual model\(s\)\)/);
  });

  it('refuses a bad one with file, line, path and a suggestion', async () => {
    const f = configFile(yaml('    - {name: a, provider: mock, parms: {model: x}}\n'));
    const r = await runCli(['--validate-only', '-f', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${f}:4:33: llm.models[0].parms: unknown key "parms" (did you mean "params"?)`);
  });
});
