// `agentgateway import --from <source> -f <file> [-o <out>]`: another gateway's config as this
// gateway's, on stdout (or -o), with what could not be mapped listed on stderr. Sources are a
// table, so another one (or another reader of LiteLLM, its database) is one more entry.
import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../config/errors.js';
import { checkEmitted, emitYaml } from './emit.js';
import { ImportInputError, importLiteLlmConfig } from './litellm/index.js';
import { formatFinding, type ImportPlan } from './plan.js';

const SOURCES: Readonly<Record<string, (text: string, file: string) => ImportPlan>> = {
  litellm: importLiteLlmConfig,
};

export const IMPORT_USAGE = `Usage: agentgateway import --from litellm -f <litellm-config.yaml> [-o <agentgateway.yaml>]

  --from <source>       the other gateway: ${Object.keys(SOURCES).join(', ')}
  -f, --file <path>     its config file ("-" reads stdin)
  -o, --output <path>   write the config there instead of stdout

Prints the agentgateway config (commented YAML, checked like --validate-only); lists on stderr,
with source lines, every setting mapped only approximately or not at all, and what to do instead.`;

interface ImportArgs {
  from: string;
  file: string;
  output: string | undefined;
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
    else throw new UsageError(`unknown argument "${a}"`);
  }
  if (out.from === undefined) throw new UsageError(`--from is required (${Object.keys(SOURCES).join(', ')})`);
  if (SOURCES[out.from] === undefined) throw new UsageError(`cannot import from "${out.from}" (known: ${Object.keys(SOURCES).join(', ')})`);
  if (out.file === undefined) throw new UsageError('-f <file> is required');
  return { from: out.from, file: out.file, output: out.output };
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
    const text = readFileSync(args.file === '-' ? 0 : args.file, 'utf8');
    const plan = SOURCES[args.from]!(text, args.file === '-' ? '<stdin>' : args.file);
    const yaml = emitYaml(plan, `agentgateway import --from ${args.from}`);
    const warnings = await checkEmitted(yaml, args.output ?? '<output>');
    for (const f of plan.findings) process.stderr.write(`${formatFinding(f)}\n`);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    const summary = `imported ${plan.models.length} model(s), ${plan.virtualModels.length} virtual model(s); ${plan.findings.length} finding(s) above`;
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
    else if (e instanceof ConfigError)
      process.stderr.write(`agentgateway import: the generated config is invalid (a bug):\n${e.message}\n`);
    else process.stderr.write(`agentgateway import: ${(e as Error).message}\n`);
    return 1;
  }
}
