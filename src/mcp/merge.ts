// Combining what several targets answered into one answer for the client: the initialize result
// (lowest protocol version, the gateway's capabilities, everyone's instructions) and the lists
// (names prefixed, URIs namespaced, items the authorization rules hide left out).
import type { McpResourceRef, McpResourceType } from './exchange.js';
import type { Namer } from './names.js';

/** The four lists the gateway federates, and how their items are named. */
export const LISTS = {
  'tools/list': { key: 'tools', type: 'tool', field: 'name', capability: 'tools' },
  'prompts/list': { key: 'prompts', type: 'prompt', field: 'name', capability: 'prompts' },
  'resources/list': { key: 'resources', type: 'resource', field: 'uri', capability: 'resources' },
  'resources/templates/list': { key: 'resourceTemplates', type: 'templates', field: 'uriTemplate', capability: 'resources' },
} as const satisfies Record<string, { key: string; type: McpResourceType; field: string; capability: string }>;

export type ListMethod = keyof typeof LISTS;

type Item = Record<string, unknown>;

export interface ListMerge {
  readonly namer: Namer;
  /** Whether the client may see the item (authorization). */
  readonly allows: (ref: McpResourceRef) => boolean;
  /** prefixMode never: names served by several targets are left out (ambiguous). */
  readonly dropDuplicates: boolean;
}

/** Items per target (in target order) -> the client's list. */
export function mergeList(method: ListMethod, perTarget: readonly (readonly [string, readonly Item[]])[], m: ListMerge): Item[] {
  const spec = LISTS[method];
  const dup = m.dropDuplicates ? duplicates(perTarget.map(([, items]) => items.map((i) => String(i[spec.field])))) : null;
  const out: Item[] = [];
  for (const [target, items] of perTarget) {
    for (const item of items) {
      const name = item[spec.field];
      if (typeof name !== 'string' || dup?.has(name)) continue;
      if (!m.allows({ type: spec.type, target, name })) continue;
      const renamed = spec.type === 'tool' || spec.type === 'prompt' ? m.namer.outName(target, name) : m.namer.outUri(target, name);
      out.push(renamed === name ? item : { ...item, [spec.field]: renamed });
    }
  }
  return out;
}

function duplicates(lists: readonly string[][]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const l of lists) for (const n of new Set(l)) (seen.has(n) ? dup : seen).add(n);
  return dup;
}

const PREAMBLE =
  'This server is a gateway to a set of mcp servers. It is responsible for routing requests to the correct server and aggregating the results.';

export interface InitMerge {
  readonly results: readonly (readonly [string, Record<string, unknown>])[];
  readonly clientVersion: string;
  readonly version: string;
  /** Resource subscriptions need a session to deliver updates on. */
  readonly stateful: boolean;
}

/** Several targets: one server (agentgateway) whose protocol version every target speaks. */
export function mergeInitialize(m: InitMerge): Record<string, unknown> {
  let protocolVersion = m.clientVersion;
  const instructions: string[] = [PREAMBLE];
  const has = (cap: string) => m.results.some(([, r]) => (r.capabilities as Record<string, unknown> | undefined)?.[cap] !== undefined);
  for (const [target, r] of m.results) {
    // Versions are dates: the smallest string is the oldest.
    if (typeof r.protocolVersion === 'string' && r.protocolVersion < protocolVersion) protocolVersion = r.protocolVersion;
    if (typeof r.instructions === 'string' && r.instructions !== '') instructions.push(`[${target}]\n${r.instructions}`);
  }
  const capabilities: Record<string, unknown> = {
    tools: { listChanged: true },
    prompts: { listChanged: true },
    resources: { listChanged: true, ...(m.stateful ? { subscribe: true } : {}) },
    ...(has('logging') ? { logging: {} } : {}),
    ...(has('completions') ? { completions: {} } : {}),
  };
  return {
    protocolVersion,
    capabilities,
    serverInfo: { name: 'agentgateway', version: m.version },
    instructions: instructions.join('\n\n'),
  };
}
