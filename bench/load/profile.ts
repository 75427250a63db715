// A V8 CPU profile of the gateway (defaults on, or --profile-target gw-off) under the passthrough load, summarised as the
// functions with the most self time, in µs per request, next to the raw .cpuprofile:
//   npm run bench -- --profile before --name <run dir>
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHAT } from './lanes.js';
import type { SuiteDeps } from './suite.js';
import { suiteTargets } from './targets.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (name + file + line), in µs, largest first. */
export function selfTimes(p: CpuProfile): { fn: string; us: number }[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const cf = byId.get(id)!.callFrame;
    const file = cf.url.replace(/^file:\/\/.*?\/(node_modules|dist|src)\//, '$1/');
    const key = `${cf.functionName || '(anonymous)'} ${file ? `${file}:${cf.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  return [...self].map(([fn, us]) => ({ fn, us })).sort((a, b) => b.us - a.us);
}

export async function profileRun(
  deps: SuiteDeps,
  runDir: string,
  label: string,
  durationS: number,
  c: number,
  target = 'gw-on',
  baseline?: string,
): Promise<void> {
  const dir = join(runDir, `profile-${label}`);
  mkdirSync(dir, { recursive: true });
  const gw = suiteTargets(baseline).find((t) => t.id === target);
  if (!gw) throw new Error(`no target ${target}`);
  const run = await gw.start(deps, deps.mockPort, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const url = `http://127.0.0.1:${run.port}${gw.paths.json}`;
  let m: Awaited<ReturnType<SuiteDeps['load']>>;
  try {
    await deps.load('warmup', url, CHAT, c, 2);
    m = await deps.load('profile', url, CHAT, c, durationS);
  } finally {
    await run.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir} (did the gateway exit cleanly on SIGTERM?)`);
  const times = selfTimes(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile);
  const total = times.reduce((s, t) => s + t.us, 0);
  // the profile spans warmup and idle too: per-request figures divide by the measured requests
  const requests = m.rps * durationS;
  const lines = [
    `# CPU profile "${label}": ${gw.label}, /openai passthrough, c=${c}, ${durationS} s (${Math.round(m.rps)} req/s)`,
    '',
    `Raw profile: \`${file}\`. Self time over the whole process life (start, 2 s warmup, ${durationS} s load); µs/req divides by the ${Math.round(requests)} measured requests.`,
    '',
    '| function | self ms | share | µs/req |',
    '|---|---|---|---|',
    ...times
      .slice(0, 30)
      .map(
        (t) => `| \`${t.fn}\` | ${(t.us / 1000).toFixed(0)} | ${((t.us / total) * 100).toFixed(1)}% | ${(t.us / requests).toFixed(2)} |`,
      ),
  ];
  writeFileSync(join(runDir, `profile-${label}.md`), `${lines.join('\n')}\n`);
  console.log(lines.slice(0, 20).join('\n'));
}
