// Request shaping of `policies.ai` (agentgateway's llm/policy): `modelAliases` (exact names
// first, then wildcard patterns, the longest pattern winning), `defaults` (body fields set when
// absent), `overrides` (always set) and `prompts` (messages before and after the client's). The
// body is the client's, in the client's format: an Anthropic client's system prompts go to
// `system`, an OpenAI client's stay messages.
import { linearRegExp } from '../config/linear-regex.js';
import type { ApiFormat, Json } from '../llm/convert/types.js';

export interface ModelAliases {
  readonly exact: ReadonlyMap<string, string>;
  /** Wildcard patterns, most specific (longest) first. */
  readonly patterns: readonly { readonly re: RegExp; readonly target: string }[];
}

export interface PromptMessage {
  readonly role: 'system' | 'user' | 'assistant' | 'developer';
  readonly content: string;
}

export interface LlmRequestShaping {
  readonly aliases: ModelAliases | null;
  readonly defaults: Json | null;
  readonly overrides: Json | null;
  readonly prepend: readonly PromptMessage[];
  readonly append: readonly PromptMessage[];
}

export function compileAliases(map: Record<string, string>): ModelAliases {
  const exact = new Map<string, string>();
  const patterns: { re: RegExp; target: string; len: number }[] = [];
  for (const [from, to] of Object.entries(map)) {
    if (!from.includes('*')) exact.set(from, to);
    else {
      // RE2: several `*`s would make a backtracking match polynomial in the model name's length
      const re = linearRegExp(`^${from.split('*').map(escapeRegex).join('.*')}$`);
      patterns.push({ re, target: to, len: from.length });
    }
  }
  patterns.sort((a, b) => b.len - a.len);
  return { exact, patterns };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function resolveAlias(a: ModelAliases | null, model: string): string {
  if (a === null) return model;
  const hit = a.exact.get(model);
  if (hit !== undefined) return hit;
  for (const p of a.patterns) if (p.re.test(model)) return p.target;
  return model;
}

/** Applies defaults, overrides and prompts to a client body, in place. */
export function shapeBody(s: LlmRequestShaping, body: Json, format: ApiFormat): void {
  if (s.defaults !== null) for (const [k, v] of Object.entries(s.defaults)) if (body[k] === undefined) body[k] = structuredClone(v);
  if (s.overrides !== null) for (const [k, v] of Object.entries(s.overrides)) body[k] = structuredClone(v);
  if (s.prepend.length + s.append.length === 0) return;
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  if (format === 'completions') {
    body.messages = [...s.prepend.map(toMessage), ...messages, ...s.append.map(toMessage)];
    return;
  }
  const isSystem = (m: PromptMessage) => m.role === 'system' || m.role === 'developer';
  const before = s.prepend.filter(isSystem).map((m) => m.content);
  const after = s.append.filter(isSystem).map((m) => m.content);
  if (before.length + after.length > 0) body.system = joinSystem(before, body.system, after);
  body.messages = [
    ...s.prepend.filter((m) => !isSystem(m)).map(toMessage),
    ...messages,
    ...s.append.filter((m) => !isSystem(m)).map(toMessage),
  ];
}

function toMessage(m: PromptMessage): Json {
  return { role: m.role, content: m.content };
}

/** Anthropic `system` is a string or text blocks; added prompts keep the client's shape. */
function joinSystem(before: string[], system: unknown, after: string[]): unknown {
  if (Array.isArray(system)) {
    const block = (text: string) => ({ type: 'text', text });
    return [...before.map(block), ...system, ...after.map(block)];
  }
  const parts = [...before, ...(typeof system === 'string' && system !== '' ? [system] : []), ...after];
  return parts.join('\n');
}
