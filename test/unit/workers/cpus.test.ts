// The default worker count: the CPUs in the affinity mask, capped by a cgroup CPU quota (v2
// cpu.max or v1 cpu.cfs_quota_us, on the process's cgroup or any ancestor).
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cgroupCpus, cpuQuota, defaultWorkerCount } from '../../../src/workers/cpus.js';

/** A fake filesystem: path -> text; anything else does not exist. */
const fs = (files: Record<string, string>) => (f: string) => {
  const t = files[f];
  if (t === undefined) throw Object.assign(new Error(`ENOENT ${f}`), { code: 'ENOENT' });
  return t;
};

describe('cpuQuota (cgroup v2 cpu.max)', () => {
  it('reads quota / period, rounded up to whole CPUs', () => {
    expect(cpuQuota('200000 100000\n')).toBe(2);
    expect(cpuQuota('150000 100000')).toBe(2);
    expect(cpuQuota('50000 100000')).toBe(1);
  });

  it('no quota: "max", empty or malformed text', () => {
    expect(cpuQuota('max 100000\n')).toBeNull();
    expect(cpuQuota('')).toBeNull();
    expect(cpuQuota('0 100000')).toBeNull();
    expect(cpuQuota('abc')).toBeNull();
  });
});

describe('cgroupCpus', () => {
  it('cgroup v2: the smallest cpu.max from the process cgroup up to the root', () => {
    const read = fs({
      '/proc/self/cgroup': '0::/kubepods/pod1/c1\n',
      '/sys/fs/cgroup/kubepods/pod1/c1/cpu.max': 'max 100000\n',
      '/sys/fs/cgroup/kubepods/pod1/cpu.max': '300000 100000\n',
      '/sys/fs/cgroup/kubepods/cpu.max': '800000 100000\n',
    });
    expect(cgroupCpus(read)).toBe(3);
  });

  it('cgroup v2 in a container (its path not under its own mount): the mount root counts', () => {
    const read = fs({ '/proc/self/cgroup': '0::/system.slice/docker-1.scope\n', '/sys/fs/cgroup/cpu.max': '150000 100000\n' });
    expect(cgroupCpus(read)).toBe(2);
  });

  it('cgroup v1: cpu.cfs_quota_us / cpu.cfs_period_us of the cpu controller; -1 is no quota', () => {
    const cgroup = '4:memory:/x\n3:cpu,cpuacct:/slice/app\n0::/\n';
    expect(
      cgroupCpus(
        fs({
          '/proc/self/cgroup': cgroup,
          '/sys/fs/cgroup/cpu,cpuacct/slice/app/cpu.cfs_quota_us': '100000\n',
          '/sys/fs/cgroup/cpu,cpuacct/slice/app/cpu.cfs_period_us': '100000\n',
        }),
      ),
    ).toBe(1);
    expect(
      cgroupCpus(
        fs({
          '/proc/self/cgroup': cgroup,
          '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '-1\n',
          '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
        }),
      ),
    ).toBeNull();
  });

  it('nothing readable: no quota', () => {
    expect(cgroupCpus(fs({}))).toBeNull();
    expect(cgroupCpus(fs({ '/proc/self/cgroup': '0::/\n' }))).toBeNull();
  });
});

describe('defaultWorkerCount', () => {
  it('is availableParallelism() without a quota', () => {
    expect(defaultWorkerCount(fs({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': 'max 100000' }))).toBe(availableParallelism());
  });

  it('a quota below the CPUs caps it; one above does not raise it', () => {
    const v2 = (text: string) => fs({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': text });
    expect(defaultWorkerCount(v2('100000 100000'))).toBe(1);
    expect(defaultWorkerCount(v2(`${(availableParallelism() + 4) * 100000} 100000`))).toBe(availableParallelism());
  });
});
