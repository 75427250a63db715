// A LiteLLM proxy config as read: the parsed values, the position of any YAML path (so every
// finding names its source line), LiteLLM's `os.environ/VAR` references turned into `$VAR`, and
// the record of which keys were looked at, so nothing is dropped without a finding.
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { formatPath } from '../../config/errors.js';
import type { Finding, Origin } from '../plan.js';

export type YamlPath = readonly (string | number)[];

export class ImportInputError extends Error {}

export class LiteLlmSource {
  readonly data: Record<string, unknown>;
  readonly findings: Finding[] = [];
  private readonly doc: Document;
  private readonly lines = new LineCounter();

  constructor(
    text: string,
    readonly file: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    const err = this.doc.errors[0];
    if (err !== undefined) {
      const { line, col } = this.lines.linePos(err.pos[0]);
      throw new ImportInputError(`${file}:${line}:${col}: not valid YAML: ${err.message.split('\n')[0]}`);
    }
    const data: unknown = this.doc.toJS({ maxAliasCount: 100 }) ?? {};
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new ImportInputError(`${file}: a LiteLLM config is a YAML map (model_list, litellm_settings, ...)`);
    }
    this.data = data as Record<string, unknown>;
  }

  /** Where `path` is written (its key when it has one, so the line is the one a reader looks for). */
  at(path: YamlPath): Origin {
    for (let n = path.length; n > 0; n--) {
      const parent = this.doc.getIn(path.slice(0, n - 1), true);
      const last = path[n - 1];
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
        const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (range !== undefined) return this.origin(path, range[0]);
      }
      const node = this.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range !== undefined) return this.origin(path, node.range[0]);
    }
    return { file: this.file, path: formatPath(path), line: 1, col: 1 };
  }

  private origin(path: YamlPath, offset: number): Origin {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, path: formatPath(path), line, col };
  }

  /** The source line of `path`, for notes in the output (`model_list[0] (line 2)`). */
  where(path: YamlPath): string {
    const o = this.at(path);
    return `${o.path} (line ${o.line})`;
  }

  skipped(path: YamlPath, message: string, instead?: string): void {
    this.findings.push({ at: this.at(path), kind: 'skipped', message, ...(instead !== undefined ? { instead } : {}) });
  }

  approximate(path: YamlPath, message: string, instead?: string): void {
    this.findings.push({ at: this.at(path), kind: 'approximate', message, ...(instead !== undefined ? { instead } : {}) });
  }
}

/** A map section (`router_settings`, a model's `litellm_params`), or {} (with a finding when it is not a map). */
export function section(src: LiteLlmSource, value: unknown, path: YamlPath): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  src.skipped(path, 'expected a map');
  return {};
}

/** LiteLLM's `os.environ/NAME` is agentgateway's `$NAME`; anything else is kept as written. */
export function envRef(value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith('os.environ/')) return `$${value.slice('os.environ/'.length)}`;
  return value;
}

/** Seconds as LiteLLM writes them (number or numeric string) -> a duration, or undefined. */
export function seconds(value: unknown): string | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return undefined;
  return Number.isInteger(n) ? `${n}s` : `${Math.round(n * 1000)}ms`;
}

/** A positive whole number (rpm, tpm, retries), or undefined. */
export function count(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}
