// The default worker count: the CPUs in the affinity mask, capped by a cgroup v2 CPU quota.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuQuota, defaultWorkerCount } from '../../../src/workers/cpus.js';

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

describe('defaultWorkerCount', () => {
  const file = (text: string) => {
    const f = join(mkdtempSync(join(tmpdir(), 'agw-cpus-')), 'cpu.max');
    writeFileSync(f, text);
    return f;
  };

  it('is availableParallelism() without a quota file or with "max"', () => {
    expect(defaultWorkerCount('/nonexistent/cpu.max')).toBe(availableParallelism());
    expect(defaultWorkerCount(file('max 100000\n'))).toBe(availableParallelism());
  });

  it('a quota below the CPUs caps it; one above does not raise it', () => {
    expect(defaultWorkerCount(file('100000 100000\n'))).toBe(1);
    expect(defaultWorkerCount(file(`${(availableParallelism() + 4) * 100000} 100000\n`))).toBe(availableParallelism());
  });
});
