// Semantic normal forms of requests in either format, for round-trip tests: what the model
// will see (system text, turns with their text, images, documents, tool calls and results),
// and the settings that shape the answer. Structure that does not change meaning (string vs
// one text part, consecutive same-role turns, blank text, cache hints) is normalised away.

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

type Part =
  | { t: 'text'; text: string }
  | { t: 'image'; url: string }
  | { t: 'pdf'; data: string }
  | { t: 'call'; id: string; name: string; args: unknown }
  | { t: 'result'; id: string; text: string };

interface Turn {
  role: 'user' | 'assistant';
  parts: Part[];
}

export interface RequestSemantics {
  model: string;
  maxTokens: number;
  system: string;
  turns: Turn[];
  stop: string[];
  temperature?: number;
  topP?: number;
  user?: string;
  stream: boolean;
  tools: Array<{ name: string; description?: string; schema: unknown }>;
  toolChoice?: string;
  parallelToolCalls: boolean;
  effort?: string;
  schema?: unknown;
}

function pushTurn(turns: Turn[], role: Turn['role'], parts: Part[]): void {
  const nonBlank = parts.filter((p) => p.t !== 'text' || p.text.trim() !== '');
  if (nonBlank.length === 0) return;
  const last = turns[turns.length - 1];
  if (last?.role === role) last.parts.push(...nonBlank);
  else turns.push({ role, parts: nonBlank });
}

function texts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  return ((content as Obj[] | null) ?? []).map((p) => p.text as string);
}

function dataUrlPart(url: string): Part {
  return url.startsWith('data:application/pdf;base64,') ? { t: 'pdf', data: url.slice(28) } : { t: 'image', url };
}

function effortOf(e: unknown): string | undefined {
  if (e === 'minimal') return 'low';
  if (e === 'xhigh' || e === 'max') return 'high';
  return typeof e === 'string' ? e : undefined;
}

export function completionsSemantics(req: Obj): RequestSemantics {
  const system: string[] = [];
  const turns: Turn[] = [];
  for (const m of req.messages as Obj[]) {
    if (m.role === 'system' || m.role === 'developer') system.push(...texts(m.content).filter((t) => t !== ''));
    else if (m.role === 'tool') pushTurn(turns, 'user', [{ t: 'result', id: m.tool_call_id, text: texts(m.content).join('\n') }]);
    else {
      const parts: Part[] =
        typeof m.content === 'string'
          ? [{ t: 'text', text: m.content }]
          : ((m.content as Obj[] | null) ?? []).map(
              (p): Part =>
                p.type === 'text'
                  ? { t: 'text', text: p.text }
                  : p.type === 'image_url'
                    ? dataUrlPart(p.image_url.url)
                    : { t: 'pdf', data: String(p.file.file_data).slice(28) },
            );
      for (const c of (m.tool_calls as Obj[] | undefined) ?? []) {
        parts.push({ t: 'call', id: c.id, name: c.function.name, args: c.function.arguments ? JSON.parse(c.function.arguments) : {} });
      }
      pushTurn(turns, m.role, parts);
    }
  }
  const format = req.response_format?.type === 'json_schema' ? req.response_format.json_schema.schema : undefined;
  return {
    model: req.model,
    maxTokens: req.max_completion_tokens ?? req.max_tokens ?? 4096,
    system: system.join('\n'),
    turns,
    stop: typeof req.stop === 'string' ? [req.stop] : (req.stop ?? []),
    temperature: req.temperature,
    topP: req.top_p,
    user: req.user,
    stream: req.stream === true,
    tools: ((req.tools as Obj[] | undefined) ?? []).map((t) => ({
      name: t.function.name,
      description: t.function.description,
      schema: t.function.parameters ?? { type: 'object', properties: {} },
    })),
    toolChoice: !req.tools?.length
      ? undefined
      : typeof req.tool_choice === 'object'
        ? `tool:${req.tool_choice.function.name}`
        : (req.tool_choice ?? 'auto'),
    parallelToolCalls: !req.tools?.length || req.parallel_tool_calls !== false,
    effort: effortOf(req.reasoning_effort),
    schema: format,
  };
}

function anthropicPart(b: Obj): Part | null {
  switch (b.type) {
    case 'text':
      return { t: 'text', text: b.text };
    case 'image':
      return { t: 'image', url: b.source.type === 'url' ? b.source.url : `data:${b.source.media_type};base64,${b.source.data}` };
    case 'document':
      return { t: 'pdf', data: b.source.data };
    case 'tool_use':
      return { t: 'call', id: b.id, name: b.name, args: b.input };
    case 'tool_result':
      return { t: 'result', id: b.tool_use_id, text: texts(b.content).join('\n') };
    default:
      return null; // thinking: model output the other format cannot carry
  }
}

const BUDGET_EFFORT = (budget: number): string => (budget < 2048 ? 'low' : budget < 4096 ? 'medium' : 'high');

export function messagesSemantics(req: Obj): RequestSemantics {
  const turns: Turn[] = [];
  for (const m of req.messages as Obj[]) {
    const blocks: Obj[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    pushTurn(
      turns,
      m.role,
      blocks.map(anthropicPart).filter((p): p is Part => p !== null),
    );
  }
  const choice = req.tool_choice;
  return {
    model: req.model,
    maxTokens: req.max_tokens,
    system: texts(req.system ?? '').join('\n'),
    turns,
    stop: req.stop_sequences ?? [],
    temperature: req.temperature,
    topP: req.top_p,
    user: req.metadata?.user_id,
    stream: req.stream === true,
    tools: ((req.tools as Obj[] | undefined) ?? []).map((t) => ({ name: t.name, description: t.description, schema: t.input_schema })),
    toolChoice: !req.tools?.length
      ? undefined
      : choice === undefined
        ? 'auto'
        : choice.type === 'tool'
          ? `tool:${choice.name}`
          : { auto: 'auto', any: 'required', none: 'none' }[choice.type as string],
    parallelToolCalls: !req.tools?.length || choice?.disable_parallel_tool_use !== true,
    effort:
      req.thinking?.type === 'enabled'
        ? BUDGET_EFFORT(req.thinking.budget_tokens)
        : req.thinking?.type === 'adaptive'
          ? effortOf(req.output_config?.effort ?? 'high') // Anthropic's adaptive default is high
          : undefined,
    schema: req.output_config?.format?.schema,
  };
}
