// `agentgateway import --from litellm`: a LiteLLM proxy config file -> an import plan for the
// `llm:` section. Reading LiteLLM's database (virtual keys, teams) would add keys and findings
// to the same plan from another reader beside this one.
import { emptyPlan, type ImportPlan } from '../plan.js';
import { readDeployments } from './deployments.js';
import { routeDeployments } from './routing.js';
import { readSettings } from './settings.js';
import { ImportInputError, LiteLlmSource } from './source.js';

/** LiteLLM's default port, so clients keep their URL. */
const LITELLM_PORT = 4000;

export function importLiteLlmConfig(text: string, file: string): ImportPlan {
  const src = new LiteLlmSource(text, file);
  const deployments = readDeployments(src);
  const settings = readSettings(src, deployments);
  if (deployments.length === 0) throw new ImportInputError(`${file}: no model_list entry could be imported`);
  const { models, virtualModels } = routeDeployments(src, deployments, settings.routing);
  const plan = emptyPlan(file, LITELLM_PORT);
  plan.models.push(...models);
  plan.virtualModels.push(...virtualModels);
  plan.apiKeys.push(...settings.apiKeys);
  for (const [k, v] of settings.policies) plan.policies.set(k, v);
  plan.findings.push(...src.findings.sort((a, b) => a.at.line - b.at.line || a.at.col - b.at.col));
  return plan;
}

export { ImportInputError };
