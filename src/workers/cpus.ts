// How many worker threads a gateway runs when nobody said (`--workers`, `config.workers`): the
// CPUs this process may use. `os.availableParallelism()` counts the CPUs in its affinity mask;
// a cgroup v2 CPU quota (a container's `cpu.max`, e.g. Kubernetes `limits.cpu`) caps it further:
// libuv (1.46 in Node 20) does not read the quota, and more threads than the quota allows only
// get throttled together.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const CPU_MAX = '/sys/fs/cgroup/cpu.max';

/** The CPUs a `cpu.max` text ("<quota> <period>" or "max <period>") allows, rounded up; null: no quota. */
export function cpuQuota(text: string): number | null {
  const [quota, period] = text.trim().split(/\s+/);
  const q = Number(quota);
  const p = Number(period);
  if (quota === 'max' || !(q > 0 && p > 0)) return null;
  return Math.max(1, Math.ceil(q / p));
}

/** The default worker count: the CPUs in the affinity mask, capped by a cgroup CPU quota. */
export function defaultWorkerCount(cpuMaxFile = CPU_MAX): number {
  let quota: number | null = null;
  try {
    quota = cpuQuota(readFileSync(cpuMaxFile, 'utf8'));
  } catch {
    // No cgroup v2 quota file (bare machine, cgroup v1): the affinity mask alone.
  }
  return Math.min(availableParallelism(), quota ?? Number.POSITIVE_INFINITY);
}
