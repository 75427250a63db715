// A multi-turn agent conversation as a coding agent sends it: one long system prompt and tool
// list shared by every session, a first user turn of its own, then turns that resend the whole
// history plus the answer and a new user message. Used by the session-affinity e2e test and the
// `affinity` bench lane (which sends the same bodies with fetch).
import type Anthropic from '@anthropic-ai/sdk';

export const AGENT_SYSTEM = `You are a coding agent working in a large TypeScript repository. ${'Follow the style guide, run the tests, explain each change. '.repeat(30)}`;
export const AGENT_TOOLS = ['read_file', 'write_file', 'run_tests', 'search'].map((name) => ({
  name,
  description: `${name.replace('_', ' ')}: ${'a tool the agent calls with a path or a query. '.repeat(4)}`,
  input_schema: { type: 'object' as const, properties: { path: { type: 'string' } }, required: ['path'] },
}));

type Message = { role: 'user' | 'assistant'; content: string };

export class AgentSession {
  readonly messages: Message[];
  private turns = 0;

  constructor(readonly id: number) {
    this.messages = [{ role: 'user', content: `Task ${id}: ${`fix issue #${id} in module m${id} and add tests for it. `.repeat(20)}` }];
  }

  /** The request body of the next turn (Anthropic Messages). */
  body(stream = false): Record<string, unknown> {
    return { model: 'claude-sonnet-4-6', max_tokens: 256, system: AGENT_SYSTEM, tools: AGENT_TOOLS, messages: this.messages, stream };
  }

  /** Appends the answer and the next user message (a tool result, as an agent loop would). */
  record(answer: string): void {
    this.turns++;
    this.messages.push({ role: 'assistant', content: answer });
    // a tool result (a file read, a test run): an agent's history grows by kilobytes a turn
    const line = `session ${this.id} step ${this.turns}: export function f${this.turns}() { return ${this.turns}; }\n`;
    this.messages.push({ role: 'user', content: `Result of step ${this.turns}:\n${line.repeat(24)}` });
  }

  /** One turn through the SDK; returns the answer's text. */
  async turn(client: Anthropic): Promise<string> {
    const r = await client.messages.create(this.body() as never);
    const text = (r.content[0] as { text: string }).text;
    this.record(text);
    return text;
  }
}

/** The deployment that answered (test/helpers/prefix-cache.ts puts its name in the answer). */
export function deploymentOf(answer: string): string {
  return answer.replace(/^answered by /, '');
}
