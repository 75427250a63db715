// Reading a config: raw text -> env substitution -> YAML (or JSON) -> zod validation ->
// normalisation of older agentgateway shapes into the one internal form.
import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { EnvError, expandEnv } from './env.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { issuesToProblems } from './issues.js';
import { normalize } from './normalize.js';
import { Config, type ConfigT } from './schema/root.js';

export interface LoadedConfig {
  file: string;
  /** Validated and normalised config. */
  config: ConfigT;
  /** The text as read, before env substitution (what an editor shows). */
  source: string;
  /** One line per deprecated shape found. */
  notices: string[];
  /** Line and column of a YAML path, for errors found after validation (compile). */
  locate(path: readonly PropertyKey[]): { line: number; col: number };
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [{ path: '', line: 0, col: 0, message: `cannot read config: ${(e as Error).message}` }]);
  }
  return parseConfig(source, file, env);
}

export function parseConfig(source: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  let expanded;
  try {
    expanded = expandEnv(source, env);
  } catch (e) {
    if (e instanceof EnvError) throw new ConfigError(file, [{ path: '', ...lines.linePos(e.offset), message: e.message }]);
    throw e;
  }
  const position = (offset: number) => lines.linePos(expanded.toSource(offset));

  const doc = parseDocument(expanded.text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ path: '', ...position(e.pos[0]), message: e.message.split('\n')[0]! })),
    );
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const parsed = Config.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(file, issuesToProblems(parsed.error.issues, Config, doc, position));
  }
  const problems: ConfigProblem[] = [];
  const locate = (path: readonly PropertyKey[]) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return position(node.range[0]);
    }
    return { line: 1, col: 1 };
  };
  const locateKey = (path: readonly PropertyKey[]) => {
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    if (isMap(parent)) {
      for (const item of parent.items) {
        if (isScalar(item.key) && item.key.value === path[path.length - 1] && item.key.range) return position(item.key.range[0]);
      }
    }
    return locate(path);
  };
  const notices = normalize(parsed.data, file, locateKey, problems);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { file, config: parsed.data, source, notices, locate };
}
