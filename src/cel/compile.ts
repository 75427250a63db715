// Compiling a CEL expression once, at config load: parse, type-check against the variable
// table, validate literal arguments (CIDR ranges, IP addresses, regexes), and record which
// variables (and which of their fields) it reads, so a request builds only those.
import { celEnvironment } from './env.js';
import { CidrRange, IpAddress } from './net.js';
import { VARIABLES } from './variables.js';

/** Root variable -> fields read (null: the whole variable is used). */
export type References = ReadonlyMap<string, ReadonlySet<string> | null>;

export interface CelProgram {
  readonly source: string;
  readonly references: References;
  /** Throws when evaluation fails (missing key, no matching overload, overflow, ...). */
  evaluate(activation: Record<string, unknown>): unknown;
}

/** A syntax or type error, with the character range of the expression at fault. */
export class CelCompileError extends Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
    this.name = 'CelCompileError';
  }

  /** `message (at column N: "snippet")` for config errors. */
  describe(source: string): string {
    const snippet = source.slice(this.start, Math.max(this.end, this.start + 1)).slice(0, 40);
    return `${this.message} (at column ${this.start + 1}${snippet.trim() === '' ? '' : `: "${snippet}"`})`;
  }
}

export interface CompileOptions {
  /** Variables this kind of expression may read (default: all). */
  readonly variables?: ReadonlySet<string>;
  /** Result type the caller needs; `dyn` results are accepted and checked at run time. */
  readonly resultType?: 'bool' | 'string' | 'int';
}

interface AstNode {
  readonly op: string;
  readonly args: unknown;
  readonly start?: number;
  readonly end?: number;
}

interface LibError {
  message: string;
  range?: { start: number; end: number };
}

export function compileCel(source: string, opts: CompileOptions = {}): CelProgram {
  // Outside the try: a ModuleNotLoaded must reach the config compile, which loads cel-js and retries.
  const env = celEnvironment();
  let program: ((a: Record<string, unknown>) => unknown) & { ast: AstNode; check(): { valid: boolean; type?: string; error?: LibError } };
  try {
    program = env.parse(source) as never;
  } catch (e) {
    throw fromLib(e as LibError, 'syntax error');
  }
  const checked = program.check();
  if (!checked.valid) throw fromLib(checked.error!, 'type error');
  if (opts.resultType !== undefined && checked.type !== opts.resultType && checked.type !== 'dyn') {
    throw new CelCompileError(`expression must evaluate to ${opts.resultType}, not ${checked.type}`, 0, source.length);
  }
  const references = collectReferences(program.ast);
  if (opts.variables !== undefined) {
    for (const root of references.keys()) {
      if (!opts.variables.has(root)) {
        const at = source.search(new RegExp(`\\b${root}\\b`));
        throw new CelCompileError(
          `variable ${root} is not available here (available: ${[...opts.variables].join(', ')})`,
          Math.max(0, at),
          Math.max(0, at) + root.length,
        );
      }
    }
  }
  return { source, references, evaluate: program };
}

function fromLib(e: LibError, kind: string): CelCompileError {
  const first = String(e.message).split('\n')[0]!;
  return new CelCompileError(`${kind}: ${first}`, e.range?.start ?? 0, e.range?.end ?? 0);
}

/** Macros whose first argument(s) name iteration variables, not references. */
const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'existsOne', 'map', 'filter', 'transformList', 'transformMap']);

function collectReferences(root: AstNode): References {
  const refs = new Map<string, Set<string> | null>();
  const note = (name: string, field: string | null) => {
    if (!(name in VARIABLES)) return; // constants (`cel`), iteration variables
    const prev = refs.get(name);
    if (prev === null) return;
    if (field === null) refs.set(name, null);
    else if (prev === undefined) refs.set(name, new Set([field]));
    else prev.add(field);
  };
  walk(root, new Set(), note);
  return refs;
}

type Note = (name: string, field: string | null) => void;

function walk(node: AstNode, bound: ReadonlySet<string>, note: Note): void {
  // biome-ignore lint/suspicious/noExplicitAny: the AST's args differ per op; each case reads its own shape
  const args = node.args as any;
  switch (node.op) {
    case 'value':
      return;
    case 'id':
      if (!bound.has(args)) note(args, null);
      return;
    case '.':
    case '.?':
    case '[]':
    case '[?]': {
      const [obj, key] = args as [AstNode, AstNode | string];
      const field = typeof key === 'string' ? key : key.op === 'value' && typeof key.args === 'string' ? key.args : null;
      if (obj.op === 'id' && !bound.has(obj.args as string) && field !== null) note(obj.args as string, field);
      else walk(obj, bound, note);
      if (typeof key !== 'string') walk(key, bound, note);
      return;
    }
    case 'call':
      checkLiteralArguments(args[0], args[1], false);
      for (const a of args[1] as AstNode[]) walk(a, bound, note);
      return;
    case 'rcall':
      return walkReceiverCall(args as [string, AstNode, AstNode[]], bound, note);
    default:
      walkChildren(args, bound, note);
  }
}

function walkReceiverCall([name, receiver, list]: [string, AstNode, AstNode[]], bound: ReadonlySet<string>, note: Note): void {
  checkLiteralArguments(name, list, true);
  const first = list[0];
  if (name === 'bind' && receiver.op === 'id' && receiver.args === 'cel' && first?.op === 'id') {
    // cel.bind(v, init, body): init sees the outer scope, the body also sees v.
    walk(list[1]!, bound, note);
    walk(list[2]!, new Set([...bound, first.args as string]), note);
    return;
  }
  walk(receiver, bound, note);
  if (COMPREHENSIONS.has(name) && first?.op === 'id' && list.length >= 2) {
    const inner = new Set([...bound, first.args as string]);
    for (const a of list.slice(1)) walk(a, inner, note);
    return;
  }
  for (const a of list) walk(a, bound, note);
}

function walkChildren(args: unknown, bound: ReadonlySet<string>, note: Note): void {
  if (Array.isArray(args)) for (const a of args) walkChildren(a, bound, note);
  else if (args !== null && typeof args === 'object' && typeof (args as AstNode).op === 'string') walk(args as AstNode, bound, note);
}

/** A literal argument that can never be valid is a config error, not a failure per request. */
function checkLiteralArguments(name: string, list: AstNode[], receiverCall: boolean): void {
  const lit = list[0];
  if (lit === undefined || lit.op !== 'value' || typeof lit.args !== 'string') return;
  const fail = (msg: string) => {
    throw new CelCompileError(msg, lit.start ?? 0, lit.end ?? 0);
  };
  try {
    if (!receiverCall && name === 'cidr') CidrRange.parse(lit.args);
    else if (!receiverCall && name === 'ip') IpAddress.parse(lit.args);
    else if (receiverCall && (name === 'matches' || name === 'regexReplace')) new RegExp(lit.args);
  } catch (e) {
    fail((e as Error).message);
  }
}
