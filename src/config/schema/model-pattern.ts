// Model name patterns (llm.models[].name, apiKey allowedModels): a name, `*`, or one wildcard at
// the start or end, as agentgateway allows, so the most specific match is well defined.
import { z } from 'zod';

export const ModelPattern = z
  .string()
  .min(1)
  .refine((s) => {
    const stars = s.split('*').length - 1;
    return stars === 0 || (stars === 1 && (s.startsWith('*') || s.endsWith('*')));
  }, 'a model name may hold one wildcard, at its start or end ("anthropic/*", "*-mini", "*")');

/** A test for one model pattern: exact, `*`, `prefix*` or `*suffix`. */
export function modelPatternTest(pattern: string): (model: string) => boolean {
  if (pattern === '*') return () => true;
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return (m) => m.startsWith(prefix);
  }
  if (pattern.startsWith('*')) {
    const suffix = pattern.slice(1);
    return (m) => m.endsWith(suffix);
  }
  return (m) => m === pattern;
}

/** How specific a pattern is (its characters other than `*`): the most specific entry wins. */
export function modelPatternSpecificity(pattern: string): number {
  return pattern.replaceAll('*', '').length;
}
