// CPU time of a process from /proc/<pid>/stat (utime + stime, in clock ticks): the steadiest
// per-request cost figure on a shared 2-core machine.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // Linux USER_HZ

export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after the comm field: state(0) ... utime is field 14 overall (index 11 here), stime 15 (12)
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** CPU time of the threads of `pid` named `comm` (e.g. the acceptor thread, `agw-acceptor`). */
export function threadCpuSeconds(pid: number, comm: string): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() !== comm) continue;
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return total;
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The process and its children (nginx's master and workers), from /proc/<pid>/task/<pid>/children. */
export function processTree(pid: number): number[] {
  const out = [pid];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (kids) for (const k of kids.split(' ')) out.push(...processTree(Number(k)));
    }
  } catch {
    // the process ended between the listing and the read
  }
  return out;
}

/** CPU seconds of a process tree. */
export function cpuSecondsTree(pid: number): number {
  return processTree(pid).reduce((s, p) => s + safe(() => cpuSeconds(p)), 0);
}

/** Resident MB of a process tree now (VmRSS) or at its peak (VmHWM); shared pages count per process. */
export function rssTreeMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(safe(() => readFileSync(`/proc/${p}/status`, 'utf8'), ''));
    if (m) kb += Number(m[1]);
  }
  return kb / 1024;
}

function safe<T>(fn: () => T, fallback: T = 0 as T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
