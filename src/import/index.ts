// `agentgateway import --from <source> -f <file> [-o <out>]`: another gateway's config as this
// gateway's, on stdout (or -o), with what could not be mapped listed on stderr. Sources are a
// table, so another one (or another reader of LiteLLM, its database) is one more entry.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { ConfigError } from '../config/errors.js';
import { checkEmitted, emitYaml } from './emit.js';
import { StoreFileError } from '../keys/log-file.js';
import { writeImportedKeys, type StoreTarget, type WriteSummary } from './keys-writer.js';
import { readLiteLlmDatabase, redactUrl } from './litellm/database.js';
import { ImportInputError, importLiteLlmConfig } from './litellm/index.js';
import { formatFinding, type Finding, type ImportPlan } from './plan.js';

const SOURCES: Readonly<Record<string, (text: string, file: string) => ImportPlan>> = {
  litellm: importLiteLlmConfig,
};

export const IMPORT_USAGE = `Usage: agentgateway import --from litellm -f <litellm-config.yaml> [-o <agentgateway.yaml>]
                            [--database postgres://... [--store <file>|redis://host:port]]

  --from <source>       the other gateway: ${Object.keys(SOURCES).join(', ')}
  -f, --file <path>     its config file ("-" reads stdin)
  -o, --output <path>   write the config there instead of stdout
  --database <url>      LiteLLM's PostgreSQL: its virtual keys (clients keep them), teams,
                        budgets and spend so far go into the gateway's keys store
  --store <where>       that store: a file (default agentgateway-keys.db beside the output) or
                        redis://host:port (a fleet's); the config's keys: section points at it

Prints the agentgateway config (commented YAML, checked like --validate-only); lists on stderr,
with source lines, every setting mapped only approximately or not at all, and what to do instead.`;

interface ImportArgs {
  from: string;
  file: string | undefined;
  output: string | undefined;
  database: string | undefined;
  store: string | undefined;
}

function parse(argv: readonly string[]): ImportArgs {
  const out: Partial<ImportArgs> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--from') out.from = value();
    else if (flag === '-f' || flag === '--file') out.file = value();
    else if (flag === '-o' || flag === '--output') out.output = value();
    else if (flag === '--database') out.database = value();
    else if (flag === '--store') out.store = value();
    else throw new UsageError(`unknown argument "${a}"`);
  }
  if (out.from === undefined) throw new UsageError(`--from is required (${Object.keys(SOURCES).join(', ')})`);
  if (SOURCES[out.from] === undefined) throw new UsageError(`cannot import from "${out.from}" (known: ${Object.keys(SOURCES).join(', ')})`);
  if (out.file === undefined && out.database === undefined) throw new UsageError('-f <file> or --database <url> is required');
  if (out.store !== undefined && out.database === undefined) throw new UsageError('--store goes with --database');
  return { from: out.from, file: out.file, output: out.output, database: out.database, store: out.store };
}

class UsageError extends Error {}

/** Runs the subcommand; returns the exit code (0 done, 1 unreadable input or a bug, 2 usage). */
export async function runImport(argv: readonly string[]): Promise<number> {
  let args: ImportArgs;
  try {
    args = parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`agentgateway import: ${e.message}\n\n${IMPORT_USAGE}\n`);
    return 2;
  }
  try {
    const plan =
      args.file !== undefined
        ? SOURCES[args.from]!(readFileSync(args.file === '-' ? 0 : args.file, 'utf8'), args.file === '-' ? '<stdin>' : args.file)
        : null;
    const keys = args.database !== undefined ? await importKeys(args, args.database, plan) : null;
    if (plan === null) {
      for (const f of keys!.findings) process.stderr.write(`${formatFinding(f)}\n`);
      process.stdout.write(keysSnippet(keys!));
      process.stderr.write(`${keys!.summary}\n`);
      return 0;
    }
    const yaml = emitYaml(plan, `agentgateway import --from ${args.from}`);
    const warnings = await checkEmitted(yaml, args.output ?? '<output>');
    for (const f of plan.findings) process.stderr.write(`${formatFinding(f)}\n`);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    const models = `imported ${plan.models.length} model(s), ${plan.virtualModels.length} virtual model(s)`;
    const summary = `${keys !== null ? `${keys.summary}; ` : ''}${models}; ${plan.findings.length} finding(s) above`;
    if (args.output !== undefined && args.output !== '-') {
      writeFileSync(args.output, yaml);
      process.stderr.write(`${summary}; wrote ${args.output}\n`);
    } else {
      process.stdout.write(yaml);
      process.stderr.write(`${summary}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof ImportInputError) process.stderr.write(`agentgateway import: ${e.message}\n`);
    else if (e instanceof StoreFileError)
      process.stderr.write(`agentgateway import: ${e.message} (stop the gateway that owns it, or import into another store)\n`);
    else if (e instanceof ConfigError)
      process.stderr.write(`agentgateway import: the generated config is invalid (a bug):\n${e.message}\n`);
    else process.stderr.write(`agentgateway import: ${(e as Error).message}\n`);
    return 1;
  }
}

interface KeysImport {
  readonly where: string;
  readonly store: Record<string, unknown>;
  readonly summary: string;
  readonly findings: Finding[];
  readonly written: WriteSummary;
}

/**
 * LiteLLM's database -> the keys store, and the keys: section pointing at it. A file store's
 * path is written relative to the output config (the config loads it relative to itself).
 */
async function importKeys(args: ImportArgs, url: string, plan: ImportPlan | null): Promise<KeysImport> {
  const db = await readLiteLlmDatabase(url);
  const base = args.output !== undefined && args.output !== '-' ? dirname(resolve(args.output)) : process.cwd();
  let target: StoreTarget;
  let store: Record<string, unknown>;
  if (args.store !== undefined && /^rediss?:\/\//.test(args.store)) {
    target = { redis: { url: args.store, namespace: 'default' } };
    store = { redis: { url: args.store } };
  } else {
    const file = resolve(args.store ?? resolve(base, 'agentgateway-keys.db'));
    target = { file };
    store = { file: relative(base, file) || file };
  }
  const written = await writeImportedKeys(db, target);
  const where = 'file' in target ? target.file : redactUrl(target.redis.url);
  const summary = `imported ${written.created} key(s) (${written.updated} updated, ${written.revoked} blocked ones revoked) and ${written.teams} team(s) with $${written.spendUsd.toFixed(2)} of spend from ${redactUrl(url)} into ${where}`;
  const findings = db.findings;
  if (plan !== null) {
    plan.findings.push(...findings);
    plan.keysStore = {
      value: store,
      note: `LiteLLM's virtual keys and teams (from its database): ${written.created + written.updated} key(s), ${written.teams} team(s), with budgets and spend so far`,
    };
  }
  return { where, store, summary, findings, written };
}

function keysSnippet(k: KeysImport): string {
  return [
    `# LiteLLM's keys and teams are in ${k.where}. Serve them with a config that has:`,
    stringifyYaml({ keys: { store: k.store } }).trimEnd(),
    '# and, on the llm: section (or a route), the apiKey policy accepting them:',
    '#   policies: {apiKey: {mode: strict, virtualKeys: true}}',
    '',
  ].join('\n');
}
