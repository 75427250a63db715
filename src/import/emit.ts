// An import plan as the config file a user runs: commented YAML with the `llm:` section, the
// origin of every model and policy above it, and the findings listed at the end. The text is
// checked the way `--validate-only` checks a file (schema, then compile) before anyone sees it,
// with every `$VAR` it names standing in as set: a plan the gateway would refuse is a bug here,
// not the user's problem.
import { Document, type Node, type YAMLMap } from 'yaml';
import { parseConfig } from '../config/load.js';
import { compile, withModules } from '../runtime/compile.js';
import { LiveState } from '../runtime/live-state.js';
import { ConnectOverrides } from '../upstream/connect-overrides.js';
import { PoolFactory } from '../upstream/pools.js';
import { formatFinding, type ImportPlan, type Json } from './plan.js';

export function emitYaml(plan: ImportPlan, command: string): string {
  const llm: Json = { port: plan.port };
  const policies: Json = {};
  const virtual = plan.keysStore !== null ? { virtualKeys: true } : {};
  if (plan.apiKeys.length > 0 || plan.keysStore !== null) {
    policies.apiKey = { mode: 'strict', ...(plan.apiKeys.length > 0 ? { keys: plan.apiKeys.map((k) => k.entry) } : {}), ...virtual };
  }
  for (const [k, p] of plan.policies) policies[k] = p.value;
  if (Object.keys(policies).length > 0) llm.policies = policies;
  llm.models = plan.models.map((m) => m.value);
  if (plan.virtualModels.length > 0) llm.virtualModels = plan.virtualModels.map((v) => v.value);
  const root: Json = plan.keysStore !== null ? { keys: { store: plan.keysStore.value }, llm } : { llm };
  const doc = new Document(root, { aliasDuplicateObjects: false });
  if (plan.keysStore !== null) (doc.get('keys', true) as Node).commentBefore = comment(plan.keysStore.note);
  doc.commentBefore = noDollar(
    [
      ` Imported from ${plan.source} by \`${command}\`.`,
      ' Serve it with `npx agentgateway -f <this file>`: clients keep the URL (port 4000), model names and key they used with LiteLLM.',
      ...(plan.findings.length > 0
        ? [` ${plan.findings.length} setting(s) were mapped approximately or not at all: see the end of this file.`]
        : []),
    ].join('\n'),
  );
  const port = doc.getIn(['llm', 'port'], true) as Node;
  port.comment = " LiteLLM's default port";
  const policyMap = doc.getIn(['llm', 'policies'], true) as YAMLMap | undefined;
  for (const item of policyMap?.items ?? []) {
    const key = String((item.key as { value?: unknown }).value ?? item.key);
    const virtualNote = plan.keysStore !== null ? ["LiteLLM's virtual keys: in the keys: store above (virtualKeys: true)"] : [];
    const note = key === 'apiKey' ? [...plan.apiKeys.map((k) => k.note), ...virtualNote].join('\n') : plan.policies.get(key)?.note;
    if (note !== undefined) (item.key as Node).commentBefore = comment(note);
  }
  plan.models.forEach((m, i) => ((doc.getIn(['llm', 'models', i], true) as Node).commentBefore = comment(m.note)));
  plan.virtualModels.forEach((v, i) => ((doc.getIn(['llm', 'virtualModels', i], true) as Node).commentBefore = comment(v.note)));
  if (plan.findings.length > 0) {
    doc.comment = comment(['Not imported, or imported approximately:', ...plan.findings.map((f) => `- ${formatFinding(f)}`)].join('\n'));
  }
  const text = doc.toString({ lineWidth: 0 });
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Comment lines start with a space; `$` would be read as a variable by the config loader. */
function comment(text: string): string {
  return noDollar(
    text
      .split('\n')
      .map((l) => ` ${l}`)
      .join('\n'),
  );
}

function noDollar(text: string): string {
  return text.replaceAll('$', '');
}

/** Throws the positioned config errors of `text` (the checks of `--validate-only`); returns its warnings. */
export async function checkEmitted(text: string, file: string): Promise<string[]> {
  const env = new Proxy({}, { get: (_t, name) => (typeof name === 'string' ? `import-check-${name}` : undefined) }) as NodeJS.ProcessEnv;
  const loaded = parseConfig(text, file, env);
  const live = new LiveState();
  try {
    const { warnings } = await withModules(() =>
      live.attempt((scope) => compile(loaded, new PoolFactory(new ConnectOverrides()), 1, { live: scope })),
    );
    return [...loaded.notices, ...warnings];
  } finally {
    await live.closeAll();
  }
}
