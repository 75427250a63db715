// Bedrock tool names must match [a-zA-Z0-9_-]{1,64}; OpenAI and Anthropic allow more (dots,
// colons, MCP-style `server.tool` names, longer names). Like agentgateway, each request keeps a
// two-way map: a name Bedrock would refuse is replaced by a safe one (characters outside the set
// become `_`; a name still too long or taken gets a short hash), and the model's tool calls are
// given back their original names, so the client never sees the rewrite.
import { createHash } from 'node:crypto';

export const MAX_TOOL_NAME = 64;
const VALID = /^[a-zA-Z0-9_-]{1,64}$/;

export class ToolNames {
  private readonly forward = new Map<string, string>();
  private readonly reverse = new Map<string, string>();
  private readonly used = new Set<string>();

  /** The Bedrock-safe name for `original` (the same one every time it is asked). */
  register(original: string): string {
    const name = original === '' ? 'tool' : original;
    const known = this.forward.get(name);
    if (known !== undefined) return known;
    const safe = VALID.test(name) && !this.used.has(name) ? name : this.rewrite(name);
    this.forward.set(name, safe);
    this.used.add(safe);
    if (safe !== original) this.reverse.set(safe, original);
    return safe;
  }

  /** The client's name for a name Bedrock used. */
  restore(name: string): string {
    return this.reverse.get(name) ?? name;
  }

  private rewrite(name: string): string {
    const base = name.replace(/[^a-zA-Z0-9_-]/g, '_');
    if (base.length <= MAX_TOOL_NAME && !this.used.has(base)) return base;
    const hash = createHash('sha256').update(name).digest('hex').slice(0, 6);
    let candidate = `${base.slice(0, MAX_TOOL_NAME - 7)}_${hash}`;
    for (let n = 1; this.used.has(candidate); n++) {
      const suffix = `_${n.toString(16)}`;
      candidate = candidate.slice(0, MAX_TOOL_NAME - suffix.length) + suffix;
    }
    return candidate;
  }
}
