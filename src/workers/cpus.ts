// How many worker threads a gateway runs when nobody said (`--workers`, `config.workers`): the
// CPUs this process may use. `os.availableParallelism()` counts the CPUs in its affinity mask;
// a cgroup CPU quota (a container's or a systemd slice's: Kubernetes `limits.cpu`, `docker
// --cpus`, `CPUQuota=`) caps it further: libuv (1.46 in Node 20) does not read quotas, and more
// threads than the quota allows only get throttled together.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

type Read = (file: string) => string;

const readText: Read = (file) => readFileSync(file, 'utf8');

/** The CPUs a quota of `quota` µs per `period` µs allows, rounded up; null: no quota. */
function cpus(quota: number, period: number): number | null {
  return quota > 0 && period > 0 ? Math.max(1, Math.ceil(quota / period)) : null;
}

/** The CPUs a cgroup v2 `cpu.max` text ("<quota> <period>" or "max <period>") allows; null: no quota. */
export function cpuQuota(text: string): number | null {
  const [quota, period] = text.trim().split(/\s+/);
  return quota === 'max' ? null : cpus(Number(quota), Number(period));
}

/** The smallest quota on the way from `dir` up to `base` (a cgroup's ancestors cap it too). */
function smallestUp(base: string, path: string, quotaIn: (dir: string) => number | null): number | null {
  let min: number | null = null;
  const parts = path.split('/').filter((p) => p !== '');
  for (let n = parts.length; n >= 0; n--) {
    const q = quotaIn(n === 0 ? base : `${base}/${parts.slice(0, n).join('/')}`);
    if (q !== null && (min === null || q < min)) min = q;
  }
  return min;
}

/**
 * The CPU quota of this process's cgroups (v2 `cpu.max`, v1 `cpu.cfs_quota_us`), in whole CPUs;
 * null when there is none or nothing can be read. Inside a container the cgroup path may not
 * exist under its own mount: the walk up ends at the mount, which is the container's cgroup.
 */
export function cgroupCpus(read: Read = readText, root = '/sys/fs/cgroup'): number | null {
  let lines: string[];
  try {
    lines = read('/proc/self/cgroup').split('\n');
  } catch {
    return null;
  }
  const tryRead = (f: string): string | null => {
    try {
      return read(f);
    } catch {
      return null;
    }
  };
  let min: number | null = null;
  for (const line of lines) {
    const [id, controllers, ...rest] = line.split(':');
    const path = rest.join(':');
    if (controllers === undefined) continue;
    let q: number | null = null;
    if (id === '0' && controllers === '') {
      q = smallestUp(root, path, (d) => {
        const t = tryRead(`${d}/cpu.max`);
        return t === null ? null : cpuQuota(t);
      });
    } else if (controllers.split(',').includes('cpu')) {
      q = smallestUp(`${root}/${controllers}`, path, (d) => {
        const quota = tryRead(`${d}/cpu.cfs_quota_us`);
        const period = tryRead(`${d}/cpu.cfs_period_us`);
        return quota === null || period === null ? null : cpus(Number(quota.trim()), Number(period.trim()));
      });
    }
    if (q !== null && (min === null || q < min)) min = q;
  }
  return min;
}

/** The default worker count: the CPUs in the affinity mask, capped by a cgroup CPU quota. */
export function defaultWorkerCount(read: Read = readText, root = '/sys/fs/cgroup'): number {
  return Math.min(availableParallelism(), cgroupCpus(read, root) ?? Number.POSITIVE_INFINITY);
}
