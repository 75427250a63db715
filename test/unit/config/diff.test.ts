import { describe, expect, it } from 'vitest';
import { configDiff, emptyDiff } from '../../../src/config/diff.js';
import { Config, type ConfigT } from '../../../src/config/schema/root.js';
import { parse } from 'yaml';

const cfg = (yaml: string): ConfigT => Config.parse(parse(yaml));

const BASE = `
binds:
  - port: 3000
    listeners:
      - name: main
        routes:
          - name: chat
            matches: [{path: {pathPrefix: /v1}}]
            policies:
              localRateLimit: [{maxTokens: 10, tokensPerFill: 10, fillInterval: 1s}]
              backendAuth: {key: sk-one}
            backends:
              - ai: {name: openai, provider: {openAI: {model: gpt-4o}}}
          - name: legacy
            backends:
              - host: 127.0.0.1:9000
`;

describe('configDiff', () => {
  it('the same config (keys reordered) is no change', () => {
    const reordered = BASE.replace('maxTokens: 10, tokensPerFill: 10', 'tokensPerFill: 10, maxTokens: 10');
    const d = configDiff(cfg(BASE), cfg(reordered));
    expect(emptyDiff(d)).toBe(true);
  });

  it('names routes, backends and policies added, removed and changed', () => {
    const next = `
binds:
  - port: 3000
    listeners:
      - name: main
        routes:
          - name: chat
            matches: [{path: {pathPrefix: /v2}}]
            policies:
              localRateLimit: [{maxTokens: 20, tokensPerFill: 10, fillInterval: 1s}]
              backendAuth: {key: sk-two}
              cors: {allowOrigins: ["*"]}
            backends:
              - ai: {name: openai, provider: {openAI: {model: gpt-4o-mini}}}
              - ai: {name: claude, provider: {anthropic: {model: claude-sonnet-4-5-20250929}}}
          - name: new
            backends:
              - host: 127.0.0.1:9001
`;
    const d = configDiff(cfg(BASE), cfg(next));
    expect(d.routes).toEqual({ added: [':3000/main/new'], removed: [':3000/main/legacy'], changed: [':3000/main/chat'] });
    expect(d.backends).toEqual({
      added: [':3000/main/chat/claude', ':3000/main/new/127.0.0.1:9001'],
      removed: [':3000/main/legacy/127.0.0.1:9000'],
      changed: [':3000/main/chat/openai'],
    });
    expect(d.policies).toEqual({
      added: [':3000/main/chat.cors'],
      removed: [],
      changed: [':3000/main/chat.backendAuth', ':3000/main/chat.localRateLimit'],
    });
    // names only: a secret that changed is "changed", never its value
    expect(JSON.stringify(d)).not.toMatch(/sk-/);
  });

  it('covers the llm section: models, virtual models and its policies', () => {
    const a = cfg(`
llm:
  models:
    - {name: gpt-4o, provider: openAI, params: {model: gpt-4o}}
`);
    const b = cfg(`
llm:
  models:
    - {name: gpt-4o, provider: openAI, params: {model: gpt-4o-2024-08-06}}
    - {name: claude, provider: anthropic, params: {model: claude-sonnet-4-5-20250929}}
`);
    const d = configDiff(a, b);
    expect(d.backends).toEqual({ added: ['llm/claude'], removed: [], changed: ['llm/gpt-4o'] });
    expect(d.routes).toEqual({ added: [], removed: [], changed: [] });
  });
});
